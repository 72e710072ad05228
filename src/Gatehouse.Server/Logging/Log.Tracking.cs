using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Logging;

/// <summary>The tracking log's events (5xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "tracking log {Path}: retention {Retention}, queue {QueueSize} events")]
    public static partial void TrackingOpened(ILogger logger, string path, TimeSpan retention, int queueSize);

    [LoggerMessage(5001, LogLevel.Error, "tracking log {Path} cannot be written; events are dropped and counted until it can (tried again every minute): {Reason}")]
    public static partial void TrackingBroken(ILogger logger, string path, string reason);

    [LoggerMessage(5002, LogLevel.Information, "tracking log {Path} is written again; {Dropped} events were dropped in all")]
    public static partial void TrackingRecovered(ILogger logger, string path, long dropped);

    [LoggerMessage(5003, LogLevel.Information, "tracking log: deleted {Count} events older than {Cutoff:O}")]
    public static partial void TrackingRetention(ILogger logger, long count, DateTimeOffset cutoff);

    [LoggerMessage(5004, LogLevel.Warning, "tracking log: the writer fell behind; events are being dropped (the first of this run)")]
    public static partial void TrackingQueueFull(ILogger logger);

    [LoggerMessage(5005, LogLevel.Warning, "tracking search: server {Server} did not answer: {Reason}")]
    public static partial void TrackingUnreachable(ILogger logger, string server, string reason);
}
