using Microsoft.Win32.SafeHandles;

namespace Gatehouse.Spool;

/// <summary>Makes many messages durable with one syncfs: sessions queue a commit and all that queued while a sync ran share the next one.</summary>
/// <remarks>
/// One dedicated thread does the syncing so that the blocking call never holds a thread-pool
/// thread. A batch is whatever has queued when the previous sync returns, so under light load a
/// message waits for exactly one sync and under heavy load fsyncs per message fall far below one.
/// A failed sync fails every message of its batch (the sessions answer 451), never some of them.
/// </remarks>
internal sealed class GroupCommitter : IDisposable
{
    private readonly SafeFileHandle _anchor;
    private readonly SpoolStatistics _stats;
    private readonly object _lock = new(); // Monitor.Wait/Pulse need a monitor, not a System.Threading.Lock
    private List<TaskCompletionSource> _pending = [];
    private List<TaskCompletionSource> _spare = [];
    private readonly Thread _thread;
    private bool _stopping;

    public GroupCommitter(SafeFileHandle anchor, SpoolStatistics stats)
    {
        _anchor = anchor;
        _stats = stats;
        _thread = new Thread(Run) { IsBackground = true, Name = "spool-commit" };
        _thread.Start();
    }

    public Task CommitAsync()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_stopping)
            {
                tcs.SetException(new ObjectDisposedException(nameof(GroupCommitter)));
                return tcs.Task;
            }
            _pending.Add(tcs);
            if (_pending.Count == 1) Monitor.Pulse(_lock);
        }
        return tcs.Task;
    }

    private void Run()
    {
        while (true)
        {
            List<TaskCompletionSource> batch;
            lock (_lock)
            {
                while (_pending.Count == 0 && !_stopping) Monitor.Wait(_lock);
                if (_pending.Count == 0) return;
                batch = _pending;
                _pending = _spare;
            }
            try
            {
                NativeSync.SyncFileSystem(_anchor);
                _stats.AddSyncs(1);
                _stats.AddCommitted(batch.Count);
                foreach (var t in batch) t.SetResult();
            }
            catch (Exception e)
            {
                foreach (var t in batch) t.SetException(e);
            }
            batch.Clear();
            lock (_lock) _spare = batch;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.Pulse(_lock);
        }
        _thread.Join();
    }
}
