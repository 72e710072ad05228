using System.Globalization;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tests.Support;
using Gatehouse.Server.Tracking;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Gatehouse.Server.Tests.Tracking;

/// <summary>The tracking log on disk: what goes in comes out, and a search returns whole timelines.</summary>
public sealed class TrackingStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2030, 5, 6, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static TrackingEvent Event(int secondsAfterT0, TrackingEventType type, string? queue, string? messageId, string? sender, string? recipient, params (string, string)[] facts) =>
        new(T0.AddSeconds(secondsAfterT0), "gate1", type, queue, messageId, sender, recipient, facts.ToDictionary(f => f.Item1, f => f.Item2));

    // m1: a message with a Message-ID whose recipient is rewritten; m2: one without a Message-ID;
    // m3: an older message of the same sender; and a relay refusal, which belongs to no message.
    private static readonly TrackingEvent[] Log =
    [
        Event(-7200, TrackingEventType.Receive, "Q3", "m3@client.example", "alice@client.example", null),
        Event(-7199, TrackingEventType.Deliver, "Q3", "m3@client.example", "alice@client.example", "bob@ours.example"),
        Event(0, TrackingEventType.Receive, "Q1", "m1@client.example", "Alice@Client.Example", null, ("client_ip", "192.0.2.7"), ("helo", "client.example")),
        Event(1, TrackingEventType.Resolve, "Q1", "m1@client.example", "Alice@Client.Example", "user@ours.example", ("before", "user@ours.example"), ("after", "someone@partner.example"), ("rule", "contact target")),
        Event(2, TrackingEventType.Route, "Q1", "m1@client.example", "Alice@Client.Example", "user@ours.example", ("connector", "internet"), ("next_hop", "mx:partner.example")),
        Event(3, TrackingEventType.Transfer, "Q1", "m1@client.example", "Alice@Client.Example", "user@ours.example", ("host", "mx.partner.example"), ("reply", "250 2.0.0 ok")),
        Event(10, TrackingEventType.Receive, "Q2", null, "bob@client.example", null),
        Event(11, TrackingEventType.Deliver, "Q2", null, "bob@client.example", "carol@ours.example"),
        Event(20, TrackingEventType.RelayDenied, null, null, "eve@evil.example", "IMCEASMTP-victim+40elsewhere.example@ours.example", ("address", "SMTP:victim@elsewhere.example"), ("reason", "not a client that may relay")),
    ];

    // query (as GET /track takes it; times relative to T0)          events found, oldest first
    private const string SearchTable = """
        message_id=m1@client.example                                    Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        message_id=<m1@client.example>                                  Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        message_id=M1@client.example                                    -
        message_id=m1@client.example&message_id=m3@client.example      Q3:RECEIVE Q3:DELIVER Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        sender=alice@client.example                                     Q3:RECEIVE Q3:DELIVER Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        sender=<ALICE@client.example>                                   Q3:RECEIVE Q3:DELIVER Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        sender=alice@client.example&limit=1                             Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        sender=alice@client.example&since=1h                            Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        sender=alice@client.example&until=1h                            Q3:RECEIVE Q3:DELIVER
        recipient=User@Ours.Example                                     Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        recipient=carol@ours.example                                    Q2:RECEIVE Q2:DELIVER
        recipient=someone@partner.example                               Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        recipient=Someone@PARTNER.example                               Q1:RECEIVE Q1:RESOLVE Q1:ROUTE Q1:TRANSFER
        recipient=victim@elsewhere.example                              -:RELAY-DENIED
        recipient=IMCEASMTP-victim+40elsewhere.example@ours.example     -:RELAY-DENIED
        recipient=nobody@ours.example                                   -
        sender=bob@client.example&recipient=carol@ours.example          Q2:RECEIVE Q2:DELIVER
        sender=alice@client.example&recipient=carol@ours.example        -
        since=30s                                                       -
        since=2030-05-06T12:00:05Z                                      Q2:RECEIVE Q2:DELIVER -:RELAY-DENIED
        since=2030-05-06T12:00:05Z&until=2030-05-06T12:00:10Z           Q2:RECEIVE Q2:DELIVER
        since=2030-05-06 14:00:05+02:00&until=2030-05-06T12:00:10Z      Q2:RECEIVE Q2:DELIVER
        """;

    [Fact]
    public async Task Search_finds_whole_timelines_by_each_field()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        store.Insert(Log);
        foreach (var row in SearchTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var split = row.IndexOf("  ", StringComparison.Ordinal);
            var (text, expected) = (row[..split], row[split..].Trim());
            var q = new QueryCollection(QueryHelpers.ParseQuery("?" + text.Replace("+", "%2B", StringComparison.Ordinal)));
            Assert.True(TrackingApi.TryReadQuery(q, T0.AddMinutes(1), out var query, out var error), $"{text}: {error}");
            var found = await store.SearchAsync(query);
            var got = found.Count == 0 ? "-" : string.Join(" ", found.Select(e => $"{e.QueueId ?? "-"}:{e.TypeName}"));
            Assert.True(expected == got, $"{text}\n  expected {expected}\n  got      {got}");
        }
    }

    [Fact]
    public async Task A_log_written_before_rewritten_addresses_were_indexed_is_upgraded_and_still_searched()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(store.Path)!);
        using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={store.Path};Pooling=False"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE events (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, server TEXT NOT NULL, type TEXT NOT NULL, queue_id TEXT,
                    message_id TEXT, sender TEXT COLLATE NOCASE, recipient TEXT COLLATE NOCASE, facts TEXT NOT NULL);
                INSERT INTO events (time, server, type, queue_id, message_id, sender, recipient, facts)
                    VALUES (1, 'gate1', 'DELIVER', 'Q0', 'm0@client.example', 'old@client.example', 'bob@ours.example', '{}');
                PRAGMA user_version = 1;
                """;
            cmd.ExecuteNonQuery();
        }
        store.Insert(Log);
        var before = await store.SearchAsync(new TrackingQuery(null, null, "bob@ours.example", null, null, 10));
        Assert.Contains(before, e => e.QueueId == "Q0");
        var rewritten = await store.SearchAsync(new TrackingQuery(null, null, "someone@partner.example", null, null, 10));
        Assert.Equal(["RECEIVE", "RESOLVE", "ROUTE", "TRANSFER"], rewritten.Select(e => e.TypeName));
    }

    [Fact]
    public async Task Every_field_and_fact_comes_back_as_it_was_written()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        var facts = new Dictionary<string, string> { ["before"] = "user@ours.example", ["after"] = "IMCEAEX-_O=ORG_CN=x@ours.example", ["detail"] = "quotes \" and é and \n" };
        var e = new TrackingEvent(T0.AddMilliseconds(123), "gate-two", TrackingEventType.RelayDenied, "01JD3Q8Z4K0001", "abc+1@client.example", "", "R@x.example", facts);
        store.Insert([e]);
        Assert.Equal(Path.Combine(_dir.Path, "tracking", "tracking.db"), store.Path);

        var back = Assert.Single(await store.SearchAsync(new TrackingQuery("abc+1@client.example", null, null, null, null)));
        Assert.Equal((e.Time, e.Server, e.Type, e.QueueId, e.MessageId, e.Sender, e.Recipient), (back.Time, back.Server, back.Type, back.QueueId, back.MessageId, back.Sender, back.Recipient));
        Assert.Equal(facts.OrderBy(f => f.Key), back.Facts.OrderBy(f => f.Key));
        foreach (var t in Enum.GetValues<TrackingEventType>()) Assert.Equal(t, TrackingStore.ParseType(TrackingEvent.Name(t)));
    }

    [Fact]
    public async Task A_search_of_a_log_that_does_not_exist_fails_rather_than_finding_nothing()
    {
        var store = TrackingStore.InDataDirectory(_dir.Path);
        await Assert.ThrowsAnyAsync<Exception>(() => store.SearchAsync(new TrackingQuery("x@y", null, null, null, null)));
        Assert.False(File.Exists(store.Path));
    }

    // server queue message-id type second       (one line per event, in the order they arrive)
    private const string GroupingTable = """
        gate1 Q1 m1 RECEIVE 0
        gate2 Q9 m1 RECEIVE 2
        gate1 Q1 m1 TRANSFER 1
        gate2 Q9 - DELIVER 3
        gate1 Q2 - RECEIVE -5
        gate2 Q2 - RECEIVE -4
        gate1 - - RELAY-DENIED 10
        gate1 - - RELAY-DENIED 10
        """;

    [Fact]
    public void Timelines_join_servers_by_message_id_and_keep_messages_without_one_apart()
    {
        var events = GroupingTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
        {
            var f = line.Split(' ');
            return new TrackingEvent(T0.AddSeconds(int.Parse(f[4], CultureInfo.InvariantCulture)), f[0], TrackingStore.ParseType(f[3]),
                f[1] == "-" ? null : f[1], f[2] == "-" ? null : f[2], f[3] == "RECEIVE" ? $"from-{f[0]}@x" : "later@x", null, new Dictionary<string, string>());
        });
        var messages = TrackingTimeline.Group(events);
        var shown = messages.Select(m => $"{m.MessageId ?? "-"} {m.Sender}: " + string.Join(" ", m.Events.Select(e => $"{e.Server}/{e.QueueId ?? "-"}/{e.Type}")));
        Assert.Equal(
        [
            "- from-gate1@x: gate1/Q2/RECEIVE",
            "- from-gate2@x: gate2/Q2/RECEIVE",
            "m1 from-gate1@x: gate1/Q1/RECEIVE gate1/Q1/TRANSFER gate2/Q9/RECEIVE gate2/Q9/DELIVER",
            "- later@x: gate1/-/RELAY-DENIED",
            "- later@x: gate1/-/RELAY-DENIED",
        ], shown);
    }

    [Fact]
    public void Merging_two_answers_that_overlap_keeps_each_event_once()
    {
        var a = Log.Take(5).ToArray();
        var b = Log.Skip(3).ToArray();
        var merged = TrackingTimeline.Group(TrackingTimeline.Distinct(TrackingTimeline.Flatten(TrackingTimeline.Group(a)).Concat(TrackingTimeline.Flatten(TrackingTimeline.Group(b)))));
        Assert.Equal(Log.Length, merged.Sum(m => m.Events.Count));
        Assert.Equal(["m3@client.example", "m1@client.example", null, null], merged.Select(m => m.MessageId));
    }

    // text            now is 2030-05-06T12:00:00Z; local times are taken as UTC here
    private const string TimeTable = """
        30m             2030-05-06T11:30:00.0000000+00:00
        2h              2030-05-06T10:00:00.0000000+00:00
        1d              2030-05-05T12:00:00.0000000+00:00
        2030-05-01      2030-05-01T00:00:00.0000000+00:00
        2030-05-01T08:15:00+02:00 2030-05-01T06:15:00.0000000+00:00
        90              -
        yesterday       -
        2x              -
        """;

    [Fact]
    public void Times_are_iso_8601_or_a_duration_ago()
    {
        foreach (var row in TimeTable.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ok = TrackingQuery.TryParseTime(f[0], T0, DateTimeStyles.AssumeUniversal, out var t);
            Assert.True((f[1] == "-" ? "-" : f[1]) == (ok ? t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture) : "-"), row);
        }
    }
}
