using System.Diagnostics.Metrics;
using Gatehouse.Server.Delivery;
using Gatehouse.Spool;

namespace Gatehouse.Server.Hosting;

/// <summary>The server's metrics: instruments on a <see cref="Meter"/> named <c>Gatehouse</c>, and their Prometheus text for the admin API's /metrics.</summary>
/// <remarks>
/// <para>What it does: the receive path counts through <see cref="SessionOpened"/>,
/// <see cref="MessageAccepted"/>, <see cref="Refused"/>; the queue reports each delivered recipient's
/// latency through <see cref="RecipientDelivered"/>; the spool's counters and the queue's totals and
/// backlog are observed at scrape time from the objects given to <see cref="Observe"/>. Metric names
/// are stable: docs/admin-api.md lists each with its type and labels, and dashboards depend on them.</para>
/// <para>What it does not: store history (Prometheus does), or cost the SMTP path more than an
/// interlocked add per event.</para>
/// <para>One meter per server object, so that several servers in one process (the tests) never see
/// each other's counts; <c>dotnet-counters monitor --counters Gatehouse</c> sees them all.</para>
/// </remarks>
public sealed class ServerMetrics : IDisposable
{
    /// <summary>The name of the meter, for <c>dotnet-counters</c> or an OpenTelemetry collector in the process.</summary>
    public const string MeterName = "Gatehouse";

    /// <summary>The refusal reasons the receive path gives <see cref="Refused"/>; each series exists at zero from the start.</summary>
    public static readonly IReadOnlyList<string> RefusalReasons = ["relay", "size", "line_length", "bare_line_ending", "too_many_errors", "connections", "connections_per_client"];

    // Seconds from arrival to delivery: a local delivery takes milliseconds, a deferred one hours.
    private static readonly double[] LatencyBounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400];

    // Messages made durable by one sync: powers of two up to what a busy server reaches.
    private static readonly long[] BatchBounds = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private readonly Meter _meter = new(MeterName, GatehouseServer.Version);
    private readonly MetricsExporter _exporter;
    private readonly Counter<long> _sessionsTotal;
    private readonly UpDownCounter<long> _sessionsOpen;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _deliveryLatency;
    private readonly Histogram<long> _commitBatch;
    private readonly Lock _backlogGate = new();
    private SpoolStatistics? _spool;
    private QueueManager? _queue;
    private IReadOnlyList<(string Destination, int Messages, int Recipients, TimeSpan OldestAge)> _backlog = [];
    private long _backlogAt;
    private bool _backlogValid;

    public ServerMetrics()
    {
        _exporter = new MetricsExporter(_meter);

        _sessionsTotal = _meter.CreateCounter<long>("gatehouse_smtp_sessions_total", "{session}", "SMTP sessions started.");
        _sessionsOpen = _meter.CreateUpDownCounter<long>("gatehouse_smtp_sessions_open", "{session}", "SMTP sessions open now.");
        _messagesReceived = _meter.CreateCounter<long>("gatehouse_messages_received_total", "{message}", "Messages accepted with 250 and on stable storage.");
        _bytesReceived = _meter.CreateCounter<long>("gatehouse_received_bytes_total", "By", "Octets of accepted message content.");
        _refused = _meter.CreateCounter<long>("gatehouse_refused_total", "{refusal}", "Commands, messages or connections refused, by reason (relay: RCPT refused 550 5.7.1 because the client may not relay).");

        _meter.CreateObservableCounter("gatehouse_recipients_delivered_total", () => Totals().Delivered, "{recipient}", "Recipients delivered (or relayed to the next hop).");
        _meter.CreateObservableCounter("gatehouse_recipients_deferred_total", () => Totals().Deferred, "{recipient}", "Recipient delivery attempts that ended in a temporary failure (one per recipient per attempt).");
        _meter.CreateObservableCounter("gatehouse_recipients_failed_total", () => Totals().Failed, "{recipient}", "Recipients that failed for good (bounced).");
        _meter.CreateObservableCounter("gatehouse_dsns_queued_total", () => Totals().Notices, "{message}", "Delivery status notifications queued to senders.");
        _deliveryLatency = _meter.CreateHistogram<double>("gatehouse_delivery_latency_seconds", "s", "Seconds from a message's arrival to the delivery of one of its recipients.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBounds });

        _meter.CreateObservableGauge("gatehouse_queue_messages", () => (long)(Volatile.Read(ref _queue)?.Count ?? 0), "{message}", "Messages in the queue.");
        _meter.CreateObservableGauge("gatehouse_queue_destination_messages", () => Backlog().Select(b => new Measurement<long>(b.Messages, Destination(b.Destination))), "{message}",
            "Messages with a recipient waiting for this destination (next hop; \"(not yet planned)\" before the first attempt).");
        _meter.CreateObservableGauge("gatehouse_queue_destination_recipients", () => Backlog().Select(b => new Measurement<long>(b.Recipients, Destination(b.Destination))), "{recipient}",
            "Recipients waiting for this destination.");
        _meter.CreateObservableGauge("gatehouse_queue_destination_oldest_age_seconds", () => Backlog().Select(b => new Measurement<double>(b.OldestAge.TotalSeconds, Destination(b.Destination))), "s",
            "Age of the oldest message with a recipient waiting for this destination.");

        _meter.CreateObservableCounter("gatehouse_spool_syncs_total", () => Volatile.Read(ref _spool)?.Syncs ?? 0, "{sync}", "Calls that forced the spool to stable storage (syncfs or fsync).");
        _meter.CreateObservableCounter("gatehouse_spool_commits_total", () => Volatile.Read(ref _spool)?.MessagesCommitted ?? 0, "{message}", "Messages made durable.");
        _meter.CreateObservableGauge("gatehouse_spool_largest_commit_batch", () => Volatile.Read(ref _spool)?.LargestBatch ?? 0, "{message}", "Most messages made durable by one sync.");
        _commitBatch = _meter.CreateHistogram<long>("gatehouse_spool_commit_batch_size", "{message}", "Messages made durable by one sync (group commit).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = BatchBounds });

        _exporter.Declare(_sessionsTotal);
        _exporter.Declare(_sessionsOpen);
        _exporter.Declare(_messagesReceived);
        _exporter.Declare(_bytesReceived);
        foreach (var reason in RefusalReasons) _exporter.Declare(_refused, new KeyValuePair<string, object?>("reason", reason));
        _exporter.Declare(_deliveryLatency);
        _exporter.Declare(_commitBatch);
    }

    /// <summary>Where the observed metrics come from: the spool's counters and, when delivery runs, the queue.</summary>
    public void Observe(SpoolStatistics spool, QueueManager? queue)
    {
        Volatile.Write(ref _spool, spool);
        Volatile.Write(ref _queue, queue);
        spool.BatchCommitted += n => _commitBatch.Record(n);
    }

    public void SessionOpened()
    {
        _sessionsTotal.Add(1);
        _sessionsOpen.Add(1);
    }

    public void SessionClosed() => _sessionsOpen.Add(-1);

    public void MessageAccepted(long bytes)
    {
        _messagesReceived.Add(1);
        _bytesReceived.Add(bytes);
    }

    /// <summary>Counts a refusal by a short stable reason (one of <see cref="RefusalReasons"/>).</summary>
    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>One recipient delivered, <paramref name="latency"/> after its message arrived.</summary>
    public void RecipientDelivered(TimeSpan latency) => _deliveryLatency.Record(Math.Max(0, latency.TotalSeconds));

    /// <summary>Every metric in Prometheus text format 0.0.4.</summary>
    public string Render()
    {
        lock (_backlogGate) _backlogValid = false;
        return _exporter.Render();
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    private (long Delivered, long Deferred, long Failed, long Notices) Totals() => Volatile.Read(ref _queue)?.Totals ?? default;

    private static KeyValuePair<string, object?> Destination(string d) => new("destination", d);

    /// <summary>The queue's backlog, computed once for the three gauges of a scrape rather than three times (and at most twice a second for other listeners).</summary>
    private IReadOnlyList<(string Destination, int Messages, int Recipients, TimeSpan OldestAge)> Backlog()
    {
        if (Volatile.Read(ref _queue) is not { } queue) return [];
        lock (_backlogGate)
        {
            var now = Environment.TickCount64;
            if (!_backlogValid || now - _backlogAt > 500)
            {
                _backlog = queue.Backlog();
                _backlogAt = now;
                _backlogValid = true;
            }
            return _backlog;
        }
    }
}
