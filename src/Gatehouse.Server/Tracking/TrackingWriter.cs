using System.Threading.Channels;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tracking;

/// <summary>The tracking sink of a running server: takes events without waiting and writes them to the <see cref="TrackingStore"/> in batches, off the mail path.</summary>
/// <remarks>
/// <para>What it does: <see cref="Record"/> puts the event into a bounded channel and returns. One
/// background task drains the channel in batches of up to <see cref="BatchSize"/>, one transaction
/// per batch through one prepared statement, and deletes events older than the retention at start
/// and every hour.</para>
/// <para>What it does not: search (the store does) or decide what is worth recording (the SMTP and
/// delivery code do).</para>
/// <para>How it fails: never into a caller. A full channel (the log fell behind) drops the event and
/// counts it in <see cref="Dropped"/>. A log that cannot be opened or written (a file where the
/// directory should be, a full disk, a corrupt file) is logged once, every batch meanwhile is
/// dropped and counted, and the log is tried again a minute later; it says so when it recovers.</para>
/// </remarks>
public sealed class TrackingWriter : ITrackingSink, IAsyncDisposable
{
    public const int BatchSize = 512;

    /// <summary>How long the writer lets events gather before a batch that is not full is written.</summary>
    public static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(10);

    /// <summary>How often old events are deleted.</summary>
    public static readonly TimeSpan RetentionInterval = TimeSpan.FromHours(1);

    /// <summary>How long a broken log is left alone before it is tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    // Put into the channel by the retention timer, so that an idle writer wakes to delete.
    private static readonly TrackingEvent Tick = new(DateTimeOffset.MinValue, "", TrackingEventType.Admin, null, null, null, null, new Dictionary<string, string>());

    private readonly Channel<TrackingEvent> _channel;
    private readonly TrackingStore _store;
    private readonly TimeSpan _retention;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ITimer _retentionTimer;
    private readonly Task _loop;
    // Held while a batch taken from the channel is being written, so that FlushAsync can wait for it.
    private readonly SemaphoreSlim _batchGate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private SqliteConnection? _connection;
    private SqliteCommand? _insert;
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;
    private bool _broken;
    private long _written;
    private long _dropped;
    private long _batches;
    private int _fullNoticed;
    private volatile bool _retentionDue = true;

    public TrackingWriter(TrackingStore store, TrackingConfig config, ILogger logger, TimeProvider? time = null)
    {
        _store = store;
        _retention = config.Retention;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        // Many sessions and delivery jobs write; one task reads. Wait mode only makes TryWrite say false when full.
        _channel = Channel.CreateBounded<TrackingEvent>(new BoundedChannelOptions(config.QueueSize) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _retentionTimer = _time.CreateTimer(_ => WakeForRetention(), null, RetentionInterval, RetentionInterval);
        Log.TrackingOpened(logger, store.Path, config.Retention, config.QueueSize);
        // The first retention pass, and the opening of the log, happen at start rather than with the first event.
        _channel.Writer.TryWrite(Tick);
        _loop = Task.Run(RunAsync);
    }

    public TrackingStore Store => _store;

    /// <summary>Events written to the log.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Events lost: the channel was full, the log could not be written, or the writer had stopped.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Transactions committed.</summary>
    public long BatchCount => Interlocked.Read(ref _batches);

    /// <summary>False while the log cannot be written.</summary>
    public bool Healthy => !Volatile.Read(ref _broken);

    /// <summary>Queues the event for writing; never waits and never throws.</summary>
    public void Record(TrackingEvent e)
    {
        if (_channel.Writer.TryWrite(e)) return;
        Interlocked.Increment(ref _dropped);
        Interlocked.CompareExchange(ref _fullNoticed, 1, 0);
    }

    /// <summary>A task that completes when everything recorded so far has been written or dropped (for tests and an orderly stop).</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        while (_channel.Reader.Count > 0 && !_loop.IsCompleted) await Task.Delay(10, ct).ConfigureAwait(false);
        // The last batch taken from the channel may still be in its transaction.
        await _batchGate.WaitAsync(ct).ConfigureAwait(false);
        _batchGate.Release();
    }

    private void WakeForRetention()
    {
        _retentionDue = true;
        // When the channel is full the loop is busy anyway and sees the flag after its batch.
        _channel.Writer.TryWrite(Tick);
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var batch = new List<TrackingEvent>(BatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Let a batch gather before writing it: at a few hundred messages a second, a transaction per
            // event would dirty the same index pages again and again, and the spool's syncfs flushes them
            // with every group commit. Not for long, though: a batch costs about 7 µs of SQLite work per
            // event, and a tenth of a second's worth (two milliseconds in one go) held up whichever message
            // was in flight meanwhile; gathering for 10 ms made the p99 latency of single messages a third
            // shorter (bench/e2e, docs/performance.md).
            if (reader.Count < BatchSize)
            {
                try
                {
                    await Task.Delay(GatherTime, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: write what is there now.
                }
            }
            await _batchGate.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_retentionDue)
                {
                    _retentionDue = false;
                    Guarded(DeleteOld);
                }
                while (batch.Count < BatchSize && reader.TryRead(out var e))
                {
                    if (!ReferenceEquals(e, Tick)) batch.Add(e);
                }
                if (batch.Count > 0) Guarded(() => WriteBatch(batch), batch.Count);
                batch.Clear();
            }
            finally
            {
                _batchGate.Release();
            }
            if (Interlocked.Exchange(ref _fullNoticed, 2) == 1) Log.TrackingQueueFull(_logger);
        }
        Close();
    }

    private void WriteBatch(List<TrackingEvent> batch)
    {
        var c = _connection!;
        using var tx = c.BeginTransaction();
        _insert!.Transaction = tx;
        foreach (var e in batch)
        {
            TrackingStore.Bind(_insert, e);
            _insert.ExecuteNonQuery();
        }
        tx.Commit();
        Interlocked.Add(ref _written, batch.Count);
        Interlocked.Increment(ref _batches);
    }

    private void DeleteOld()
    {
        var cutoff = _time.GetUtcNow() - _retention;
        var n = TrackingStore.DeleteOlderThan(_connection!, cutoff);
        if (n > 0) Log.TrackingRetention(_logger, n, cutoff);
    }

    /// <summary>Runs <paramref name="work"/> on an open log; when the log is broken or breaks, counts <paramref name="events"/> as dropped instead.</summary>
    private void Guarded(Action work, int events = 0)
    {
        if (_connection is null)
        {
            if (_time.GetUtcNow() < _retryAt || !TryOpen())
            {
                Interlocked.Add(ref _dropped, events);
                return;
            }
        }
        try
        {
            work();
            if (_broken)
            {
                Volatile.Write(ref _broken, false);
                Log.TrackingRecovered(_logger, _store.Path, Dropped);
            }
        }
        catch (Exception e)
        {
            // Whatever SQLite or the disk throws, the loop must live on: a dead loop would lose every later event unseen.
            Interlocked.Add(ref _dropped, events);
            Broke(e);
            Close();
        }
    }

    private bool TryOpen()
    {
        try
        {
            _connection = _store.Open();
            _insert = TrackingStore.PrepareInsert(_connection);
            _insert.CommandTimeout = 5;
            return true;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Broke(e);
            Close();
            return false;
        }
    }

    private void Broke(Exception e)
    {
        _retryAt = _time.GetUtcNow() + RetryAfter;
        if (_broken) return;
        Volatile.Write(ref _broken, true);
        Log.TrackingBroken(_logger, _store.Path, e.Message);
    }

    private void Close()
    {
        _insert?.Dispose();
        _insert = null;
        _connection?.Dispose();
        _connection = null;
    }

    /// <summary>Stops taking events, writes what is queued, and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        await _retentionTimer.DisposeAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _batchGate.Dispose();
        _stopping.Dispose();
    }
}
