using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Gatehouse.Spool;

namespace Gatehouse.Server.Hosting;

/// <summary>Counters of the SMTP receive path, rendered in Prometheus text format on the admin endpoint.</summary>
public sealed class ServerMetrics
{
    private long _sessionsTotal;
    private long _sessionsOpen;
    private long _messagesAccepted;
    private long _bytesAccepted;
    private readonly ConcurrentDictionary<string, long> _refused = new();

    public long SessionsTotal => Interlocked.Read(ref _sessionsTotal);

    public long MessagesAccepted => Interlocked.Read(ref _messagesAccepted);

    public void SessionOpened()
    {
        Interlocked.Increment(ref _sessionsTotal);
        Interlocked.Increment(ref _sessionsOpen);
    }

    public void SessionClosed() => Interlocked.Decrement(ref _sessionsOpen);

    public void MessageAccepted(long bytes)
    {
        Interlocked.Increment(ref _messagesAccepted);
        Interlocked.Add(ref _bytesAccepted, bytes);
    }

    /// <summary>Counts a refusal by a short stable reason (relay, size, bare_line_ending, ...).</summary>
    public void Refused(string reason) => _refused.AddOrUpdate(reason, 1, static (_, n) => n + 1);

    public string Render(SpoolStatistics spool)
    {
        var sb = new StringBuilder();
        void Counter(string name, string help, long value, string type = "counter")
        {
            sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            sb.Append(name).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Counter("gatehouse_smtp_sessions_total", "SMTP sessions started.", SessionsTotal);
        Counter("gatehouse_smtp_sessions_open", "SMTP sessions open now.", Interlocked.Read(ref _sessionsOpen), "gauge");
        Counter("gatehouse_messages_received_total", "Messages accepted with 250 and on stable storage.", MessagesAccepted);
        Counter("gatehouse_received_bytes_total", "Octets of accepted message content.", Interlocked.Read(ref _bytesAccepted));
        sb.Append("# HELP gatehouse_refused_total Commands or messages refused, by reason.\n# TYPE gatehouse_refused_total counter\n");
        foreach (var (reason, n) in _refused.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.Append("gatehouse_refused_total{reason=\"").Append(reason).Append("\"} ").Append(n.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        Counter("gatehouse_spool_syncs_total", "Calls that forced the spool to stable storage (syncfs or fsync).", spool.Syncs);
        Counter("gatehouse_spool_commits_total", "Messages made durable.", spool.MessagesCommitted);
        Counter("gatehouse_spool_largest_commit_batch", "Most messages made durable by one sync.", spool.LargestBatch, "gauge");
        return sb.ToString();
    }
}
