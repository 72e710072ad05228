namespace Gatehouse.Spool;

/// <summary>Counters of the spool's durability work, read by metrics and the load benchmark.</summary>
public sealed class SpoolStatistics
{
    private long _syncs;
    private long _committed;
    private long _largestBatch;

    /// <summary>Calls that forced data to stable storage (syncfs, or fsync of a file or directory).</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Messages whose commit completed.</summary>
    public long MessagesCommitted => Interlocked.Read(ref _committed);

    public long LargestBatch => Interlocked.Read(ref _largestBatch);

    /// <summary>Raised once per commit with the number of messages one sync made durable (the metrics' batch size histogram).</summary>
    /// <remarks>Raised on the committing thread after the sync, before the sessions are answered: a handler must be quick and must not throw.</remarks>
    public event Action<long>? BatchCommitted;

    internal void AddSyncs(long n) => Interlocked.Add(ref _syncs, n);

    internal void AddCommitted(long n)
    {
        Interlocked.Add(ref _committed, n);
        long seen;
        while (n > (seen = Interlocked.Read(ref _largestBatch)) && Interlocked.CompareExchange(ref _largestBatch, n, seen) != seen)
        {
        }
        BatchCommitted?.Invoke(n);
    }
}
