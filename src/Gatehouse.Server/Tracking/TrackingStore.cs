using System.Buffers;
using System.Text;
using System.Text.Json;
using Gatehouse.Core.Tracking;
using Microsoft.Data.Sqlite;

namespace Gatehouse.Server.Tracking;

/// <summary>The tracking log of one server: a SQLite database of events at <c>DATA/tracking/tracking.db</c>, and its search.</summary>
/// <remarks>
/// <para>What it does: creates the schema (one table of events, indexed by Message-ID, sender,
/// recipient, time and queue id), inserts batches for <see cref="TrackingWriter"/>, deletes events
/// past their retention, and answers <see cref="TrackingQuery"/> searches with whole timelines.</para>
/// <para>What it does not: decide when to write (the writer batches off the SMTP path) or merge the
/// answers of other servers (the admin API does).</para>
/// <para>Durability: WAL with <c>synchronous=NORMAL</c>, so a commit costs no fsync and a power cut
/// may lose the last commits. Tracking is a record for people, not the spool: losing the last second
/// of events is acceptable, slowing every message by an fsync is not. A crash of the process alone
/// loses nothing that was committed.</para>
/// <para>How it fails: every method throws <see cref="SqliteException"/> or <see cref="IOException"/>
/// (a missing or unwritable directory, a full disk, a corrupt file); the writer and the API catch
/// them. Addresses compare case-insensitively in ASCII only (SQLite's NOCASE).</para>
/// </remarks>
public sealed class TrackingStore
{
    /// <summary>The file under the data directory.</summary>
    public const string RelativePath = "tracking/tracking.db";

    private const string Columns = "time, server, type, queue_id, message_id, sender, recipient, facts";

    private readonly string _connectionString;
    private readonly string _searchConnectionString;

    public TrackingStore(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        // No pooling: the writer keeps its one connection, searches are rare, and a pooled handle
        // would keep the file open after the server stops.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate }.ToString();
        // A search never creates the file: a missing log is an error to report, not an empty answer.
        _searchConnectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString();
    }

    /// <summary>The store of a server whose data directory is <paramref name="dataDirectory"/>.</summary>
    public static TrackingStore InDataDirectory(string dataDirectory) => new(System.IO.Path.Combine(dataDirectory, RelativePath));

    public string Path { get; }

    /// <summary>Opens a connection, creating the directory, the file and the schema when they are missing.</summary>
    public SqliteConnection Open()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var c = new SqliteConnection(_connectionString);
        try
        {
            c.Open();
            // Only a new file is written to here: an existing one may be locked by a writer, and
            // opening it must not wait for that (WAL mode is kept in the file itself).
            var version = Scalar(c, "PRAGMA user_version");
            if (version == 0)
            {
                Execute(c, """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE IF NOT EXISTS events (
                        id INTEGER PRIMARY KEY,
                        time INTEGER NOT NULL,
                        server TEXT NOT NULL,
                        type TEXT NOT NULL,
                        queue_id TEXT,
                        message_id TEXT,
                        sender TEXT COLLATE NOCASE,
                        recipient TEXT COLLATE NOCASE,
                        facts TEXT NOT NULL,
                        address TEXT COLLATE NOCASE);
                    CREATE INDEX IF NOT EXISTS events_message_id ON events(message_id);
                    CREATE INDEX IF NOT EXISTS events_sender ON events(sender);
                    CREATE INDEX IF NOT EXISTS events_recipient ON events(recipient);
                    CREATE INDEX IF NOT EXISTS events_time ON events(time);
                    CREATE INDEX IF NOT EXISTS events_queue_id ON events(queue_id);
                    CREATE INDEX IF NOT EXISTS events_address ON events(address);
                    PRAGMA user_version = 2;
                    """);
            }
            else if (version == 1)
            {
                // A log written before the rewritten address had its own column: add it (existing events keep it null).
                Execute(c, """
                    ALTER TABLE events ADD COLUMN address TEXT COLLATE NOCASE;
                    CREATE INDEX IF NOT EXISTS events_address ON events(address);
                    PRAGMA user_version = 2;
                    """);
            }
            Execute(c, "PRAGMA synchronous = NORMAL");
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    /// <summary>An insert statement on <paramref name="connection"/>, prepared once and reused for every event of every batch.</summary>
    public static SqliteCommand PrepareInsert(SqliteConnection connection)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = $"INSERT INTO events ({Columns}, address) VALUES ($time, $server, $type, $queue_id, $message_id, $sender, $recipient, $facts, $address)";
        foreach (var name in new[] { "$time", "$server", "$type", "$queue_id", "$message_id", "$sender", "$recipient", "$facts", "$address" }) cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        cmd.Prepare();
        return cmd;
    }

    /// <summary>Sets the parameters of a <see cref="PrepareInsert"/> command to <paramref name="e"/>.</summary>
    public static void Bind(SqliteCommand insert, TrackingEvent e)
    {
        var p = insert.Parameters;
        p[0].Value = e.Time.ToUnixTimeMilliseconds();
        p[1].Value = e.Server;
        p[2].Value = e.TypeName;
        p[3].Value = (object?)e.QueueId ?? DBNull.Value;
        p[4].Value = (object?)e.MessageId ?? DBNull.Value;
        p[5].Value = (object?)e.Sender ?? DBNull.Value;
        p[6].Value = (object?)e.Recipient ?? DBNull.Value;
        p[7].Value = FactsJson(e.Facts);
        p[8].Value = (object?)RewrittenAddress(e) ?? DBNull.Value;
    }

    /// <summary>The address the event says the recipient was rewritten to (a contact's target, a decapsulated one-off), when it differs; a search by recipient finds it too.</summary>
    public static string? RewrittenAddress(TrackingEvent e)
    {
        var v = e.Facts.GetValueOrDefault("address") ?? (e.Type == TrackingEventType.Resolve ? e.Facts.GetValueOrDefault("after") : null);
        if (string.IsNullOrEmpty(v)) return null;
        if (v.StartsWith("SMTP:", StringComparison.OrdinalIgnoreCase)) v = v[5..];
        return string.Equals(v, e.Recipient, StringComparison.OrdinalIgnoreCase) ? null : v;
    }

    /// <summary>Writes <paramref name="events"/> in one transaction (tests and tools; the writer keeps its own prepared statement).</summary>
    public void Insert(IEnumerable<TrackingEvent> events)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var insert = PrepareInsert(c);
        insert.Transaction = tx;
        foreach (var e in events)
        {
            Bind(insert, e);
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Deletes the events older than <paramref name="cutoff"/>, in slices so that a big deletion never holds the write lock for long; returns how many.</summary>
    public static long DeleteOlderThan(SqliteConnection connection, DateTimeOffset cutoff)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE time < $cutoff ORDER BY time LIMIT 5000)";
        cmd.Parameters.AddWithValue("$cutoff", cutoff.ToUnixTimeMilliseconds());
        cmd.CommandTimeout = 5;
        long total = 0;
        int n;
        do
        {
            n = cmd.ExecuteNonQuery();
            total += n;
        }
        while (n > 0);
        return total;
    }

    /// <summary>The events of the messages that match <paramref name="query"/>, oldest first.</summary>
    /// <remarks>
    /// The criteria pick events; each picked event names its message by Message-ID, or by server and
    /// queue id when it has none; the answer is every event of those messages. So a search by
    /// recipient still shows the RECEIVE (which names no recipient), and a search by time shows each
    /// message whole, not cut at the window's edges. An event with neither (a RELAY-DENIED) is its
    /// own message.
    /// </remarks>
    public async Task<IReadOnlyList<TrackingEvent>> SearchAsync(TrackingQuery query, CancellationToken ct = default)
    {
        using var c = new SqliteConnection(_searchConnectionString);
        await c.OpenAsync(ct).ConfigureAwait(false);
        using var cmd = c.CreateCommand();
        var where = new List<string>();
        var ids = query.MessageIds;
        if (ids.Count > 0)
        {
            where.Add("message_id IN (SELECT value FROM json_each($ids))");
            cmd.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(ids, TrackingStoreJson.Default.IReadOnlyListString));
        }
        if (query.Sender is { } sender)
        {
            where.Add("sender = $sender");
            cmd.Parameters.AddWithValue("$sender", TrackingQuery.StripBrackets(sender));
        }
        if (query.Recipient is { } recipient)
        {
            where.Add("(recipient = $recipient OR address = $recipient)");
            cmd.Parameters.AddWithValue("$recipient", TrackingQuery.StripBrackets(recipient));
        }
        if (query.Since is { } since)
        {
            where.Add("time >= $since");
            cmd.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        }
        if (query.Until is { } until)
        {
            where.Add("time <= $until");
            cmd.Parameters.AddWithValue("$until", until.ToUnixTimeMilliseconds());
        }
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 1, TrackingQuery.MaxLimit));
        // Three indexed look-ups (by Message-ID, by queue id, by id) rather than one OR over the
        // whole table, which SQLite would answer with a full scan.
        cmd.CommandText = $"""
            WITH hits AS (
                SELECT id, time, server, queue_id, message_id,
                       coalesce(message_id, server || char(10) || queue_id, char(10) || id) AS message
                FROM events WHERE {(where.Count == 0 ? "1" : string.Join(" AND ", where))}),
            chosen AS (
                SELECT message FROM hits GROUP BY message ORDER BY max(time) DESC LIMIT $limit),
            picked AS (
                SELECT * FROM hits WHERE message IN (SELECT message FROM chosen))
            SELECT {Columns} FROM events WHERE id IN (
                SELECT e.id FROM events e WHERE e.message_id IN (SELECT message_id FROM picked WHERE message_id IS NOT NULL)
                UNION SELECT e.id FROM picked p JOIN events e ON e.queue_id = p.queue_id AND e.server = p.server
                UNION SELECT id FROM picked)
            ORDER BY time, id
            """;
        cmd.CommandTimeout = 10;
        var list = new List<TrackingEvent>();
        using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new TrackingEvent(
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)),
                r.GetString(1),
                ParseType(r.GetString(2)),
                r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                r.IsDBNull(6) ? null : r.GetString(6),
                ParseFacts(r.GetString(7))));
        }
        return list;
    }

    /// <summary>The type a stored name (<c>RELAY-DENIED</c>) stands for; a name this version does not know reads as <see cref="TrackingEventType.Admin"/> rather than failing the search.</summary>
    public static TrackingEventType ParseType(string name)
    {
        foreach (var t in Enum.GetValues<TrackingEventType>())
        {
            if (TrackingEvent.Name(t) == name) return t;
        }
        return TrackingEventType.Admin;
    }

    /// <summary>The facts as a JSON object of strings, written without reflection.</summary>
    public static string FactsJson(IReadOnlyDictionary<string, string> facts)
    {
        if (facts.Count == 0) return "{}";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (k, v) in facts) w.WriteString(k, v);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyDictionary<string, string> ParseFacts(string json)
    {
        var facts = new Dictionary<string, string>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject()) facts[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return facts;
    }

    private static long Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}

/// <summary>The JSON of the store's own parameters (a list of Message-IDs for <c>json_each</c>).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class TrackingStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
