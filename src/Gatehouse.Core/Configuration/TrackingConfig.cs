namespace Gatehouse.Core.Configuration;

/// <summary>The tracking log: whether it is written, how long events are kept, and how many may wait to be written.</summary>
/// <param name="Retention">Events older than this are deleted (hourly).</param>
/// <param name="QueueSize">Events that may wait in memory for the writer; beyond that they are dropped and counted, never waited for.</param>
public sealed record TrackingConfig(bool Enabled, TimeSpan Retention, int QueueSize)
{
    /// <summary>On, 30 days, 100,000 events.</summary>
    public static TrackingConfig Default { get; } = new(true, TimeSpan.FromDays(30), 100_000);
}
