using Gatehouse.Core.Protocol;
using Gatehouse.Server.Delivery.Agents;
using Gatehouse.Server.Logging;

namespace Gatehouse.Server.Delivery;

/// <summary>The jobs waiting for one next hop, and the workers that deliver them (Postfix's per-destination queue).</summary>
/// <remarks>
/// A worker is started when a job arrives and fewer than <c>delivery.max_connections_per_destination</c>
/// are running; each holds one slot of <c>delivery.max_connections</c> and one agent session (an SMTP
/// connection), takes jobs until none is left, keeps the session for <see cref="IdleKeep"/> in case
/// another comes (Postfix's connection cache does the same for two seconds), then closes it. So
/// consecutive messages to the same next hop share a connection even when they arrive one by one,
/// and a destination idle for longer costs nothing. The slot is not kept idle while another
/// destination waits for one.
/// </remarks>
internal sealed class DestinationQueue(Destination destination, IDeliveryAgent agent, QueueManager owner)
{
    /// <summary>How long an idle worker keeps its connection open for the next job.</summary>
    public static readonly TimeSpan IdleKeep = TimeSpan.FromSeconds(1);

    private readonly Queue<DeliveryJob> _jobs = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _arrived = new(0, int.MaxValue);
    private int _workers;

    public Destination Destination { get; } = destination;

    public int Waiting
    {
        get
        {
            lock (_gate) return _jobs.Count;
        }
    }

    public int Workers => Volatile.Read(ref _workers);

    public void Post(DeliveryJob job)
    {
        bool start;
        lock (_gate)
        {
            _jobs.Enqueue(job);
            // With every connection slot taken, another worker would only wait for one: the running worker takes
            // the job in turn on the connection it has, rather than a new connection later for a single message.
            start = _workers < owner.MaxPerDestination && _workers < _jobs.Count && (_workers == 0 || owner.Connections.CurrentCount > 0);
            if (start) _workers++;
        }
        if (start) _ = Task.Run(RunAsync);
        else _arrived.Release();
    }

    /// <summary>The next job; when there is none, waits <see cref="IdleKeep"/> for one, then gives up and counts the worker out.</summary>
    private async Task<DeliveryJob?> TakeAsync(CancellationToken ct)
    {
        var until = DateTime.UtcNow + IdleKeep;
        while (true)
        {
            lock (_gate)
            {
                if (_jobs.TryDequeue(out var job)) return job;
            }
            var left = until - DateTime.UtcNow;
            // Idling holds a connection slot: when other destinations wait for one, it goes now (1,000 destinations
            // behind 100 slots otherwise deliver at 100 messages a second, each slot idle a second after its last job).
            if (left <= TimeSpan.Zero || owner.SlotsWanted || !await _arrived.WaitAsync(left, ct).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    // A job posted between the last look and now is taken, not stranded.
                    if (_jobs.TryDequeue(out var late)) return late;
                    _workers--;
                    return null;
                }
            }
        }
    }

    private async Task RunAsync()
    {
        var ct = owner.Stopping;
        try
        {
            owner.WaitingForSlot(1);
            await owner.Connections.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate) _workers--;
            return;
        }
        finally
        {
            owner.WaitingForSlot(-1);
        }
        try
        {
            var session = agent.Open(Destination);
            await using (session.ConfigureAwait(false))
            {
                while (await TakeAsync(ct).ConfigureAwait(false) is { } job)
                {
                    IReadOnlyList<RecipientResult> results;
                    try
                    {
                        results = await session.DeliverAsync(job, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        // Shutting down: the message stays in the spool and is tried again after the restart.
                        throw;
                    }
                    catch (Exception e)
                    {
                        Log.DeliveryCrashed(owner.Logger, job.Entry.Id, Destination.Key, e);
                        var reply = SmtpReply.Of(451, "4.3.0", "Internal error while delivering; the message waits");
                        results = job.Recipients.Select(r => RecipientResult.Ours(r.Index, ResultKind.Deferred, reply, hop: Destination.Key)).ToArray();
                    }
                    await owner.JobDoneAsync(job, results).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            lock (_gate) _workers = Math.Max(0, _workers - 1);
        }
        finally
        {
            owner.Connections.Release();
        }
    }
}
