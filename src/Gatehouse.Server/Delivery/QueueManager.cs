using System.Collections.Concurrent;
using Gatehouse.Core.Configuration;
using System.Threading.Channels;
using Gatehouse.Core.Content;
using Gatehouse.Core.Notices;
using Gatehouse.Core.Protocol;
using Gatehouse.Dns;
using Gatehouse.Server.Delivery.Agents;
using Gatehouse.Server.Delivery.Smtp;
using Gatehouse.Server.Logging;
using Gatehouse.Server.Smtp;
using Gatehouse.Spool;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Delivery;

/// <summary>The scheduler (Postfix's qmgr): every queued message is attempted, its recipients grouped by next hop, retried on schedule, and finished.</summary>
/// <remarks>
/// <para>What it does: takes each accepted message (and, at start-up, every message in the spool),
/// asks <see cref="DeliveryPlanner"/> where each pending recipient goes now, hands the jobs to one
/// <see cref="DestinationQueue"/> per next hop, and when all of a message's jobs are back, records the
/// outcome: delivered and failed recipients are done (failed ones with a DSN queued first), deferred
/// ones wait for the next attempt of <c>delivery.retry_schedule</c>; after <c>delivery.expire_after</c>
/// they fail with 5.4.7. A message leaves the spool only when every recipient is done, or when an
/// administrator deletes it (DESIGN.md invariant 5).</para>
/// <para>What it does not: route (the router does), speak SMTP or write mailboxes (the agents do).</para>
/// <para>Failover: a server or smart host that cannot be reached is marked down in
/// <see cref="NextHopHealth"/>; the routing snapshot is rebuilt with it and every waiting message is
/// planned again at once, so mail takes the next-cheapest route (seed Q152919). A probe every
/// <c>delivery.probe_interval</c> marks it up again when it answers.</para>
/// <para>Crash safety: the spool is the truth. Progress is saved beside the queue file after an
/// attempt that did not finish the message; a crash repeats at most the deliveries of the attempt
/// in flight (at least once, never lost).</para>
/// </remarks>
public sealed class QueueManager : IAsyncDisposable
{
    private readonly SmtpServices _services;
    private readonly MessageSpool _spool;
    private readonly ConcurrentDictionary<string, QueueEntry> _entries = new(StringComparer.Ordinal);
    private readonly Channel<QueueEntry> _ready = Channel.CreateUnbounded<QueueEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly PriorityQueue<QueueEntry, DateTimeOffset> _waiting = new();
    private readonly Lock _waitingGate = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly ConcurrentDictionary<string, DestinationQueue> _destinations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly NoticeSender _notices;
    private readonly DeliveryTracker _tracker;
    private readonly DeliveryContext _context;
    private readonly IDeliveryAgent _smtp;
    private readonly IDeliveryAgent _lmtp;
    private readonly IDeliveryAgent _maildir;
    private readonly List<Task> _loops = [];
    private long _delivered;
    private long _deferred;
    private long _failed;
    private long _noticesQueued;
    private int _slotWaiters;

    public QueueManager(SmtpServices services, IDnsResolver dns)
    {
        _services = services;
        _spool = services.Spool;
        var delivery = services.Current.Config.Delivery;
        Connections = new SemaphoreSlim(delivery.MaxConnections, delivery.MaxConnections);
        var resolver = new MailHostResolver(dns, delivery.Hosts, null);
        _context = new DeliveryContext(services, new TargetFinder(resolver), ReportHealth);
        Verifier = new RecipientVerifier(services, _context.Targets);
        _smtp = new SmtpAgent(_context, lmtp: false);
        _lmtp = new SmtpAgent(_context, lmtp: true);
        _maildir = new MaildirAgent(_context);
        _notices = new NoticeSender(services);
        _tracker = new DeliveryTracker(services);
    }

    /// <summary>Which next hops are down now.</summary>
    public NextHopHealth Health { get; } = new();

    internal SemaphoreSlim Connections { get; }

    /// <summary>Whether a destination's worker is waiting for a slot of <see cref="Connections"/>.</summary>
    internal bool SlotsWanted => Volatile.Read(ref _slotWaiters) > 0;

    internal void WaitingForSlot(int change) => Interlocked.Add(ref _slotWaiters, change);

    internal int MaxPerDestination => _services.Current.Config.Delivery.MaxConnectionsPerDestination;

    internal CancellationToken Stopping => _stop.Token;

    internal ILogger Logger => _services.Logger;

    /// <summary>Messages in the queue now.</summary>
    public int Count => _entries.Count;

    /// <summary>Recipients delivered, deferred (per attempt) and failed since start, and DSNs queued.</summary>
    public (long Delivered, long Deferred, long Failed, long Notices) Totals =>
        (Interlocked.Read(ref _delivered), Interlocked.Read(ref _deferred), Interlocked.Read(ref _failed), Interlocked.Read(ref _noticesQueued));

    /// <summary>Loads the spool and starts the scheduler loops.</summary>
    public void Start()
    {
        foreach (var m in _spool.List())
        {
            QueueState? state;
            try
            {
                state = _spool.LoadState(m.QueueId);
            }
            catch (InvalidDataException e)
            {
                // Progress lost, message kept: every recipient is tried again (duplicates, never a loss).
                Log.StateDamaged(Logger, m.QueueId, e.Message);
                state = null;
            }
            var entry = new QueueEntry(m, state);
            if (entry.PendingCount == 0)
            {
                _spool.Remove(m.QueueId);
                continue;
            }
            _entries[m.QueueId] = entry;
            if (entry.Held) continue;
            if (entry.NextAttempt is { } at && at > _services.Time.GetUtcNow()) Schedule(entry, at);
            else _ready.Writer.TryWrite(entry);
        }
        _loops.Add(Task.Run(PlanLoopAsync));
        _loops.Add(Task.Run(TimerLoopAsync));
        _loops.Add(Task.Run(ProbeLoopAsync));
    }

    /// <summary>Asks forwarding hosts about recipients at RCPT time (<c>accepted_domains.verify_recipients</c>).</summary>
    public RecipientVerifier Verifier { get; }

    /// <summary>Takes a message the spool has just committed.</summary>
    public void Enqueue(QueuedMessage message)
    {
        var entry = new QueueEntry(message, null);
        _entries[message.QueueId] = entry;
        _ready.Writer.TryWrite(entry);
    }

    private async Task PlanLoopAsync()
    {
        try
        {
            await foreach (var entry in _ready.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    await StartAttemptAsync(entry).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.DeliveryCrashed(Logger, entry.Id, "(planning)", e);
                    lock (entry.Gate) entry.InFlight = false;
                    Schedule(entry, _services.Time.GetUtcNow() + _services.Current.Config.Delivery.RetryAfter(1));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task StartAttemptAsync(QueueEntry entry)
    {
        lock (entry.Gate)
        {
            if (entry.Gone || entry.InFlight || entry.Held) return;
            entry.InFlight = true;
            entry.Results.Clear();
            entry.PlannedResults.Clear();
        }
        var snapshot = _services.Current;
        if (entry.Headers is null)
        {
            try
            {
                await using var content = entry.Message.OpenContent();
                entry.Headers = await HeaderSection.ReadAsync(content, cancellationToken: _stop.Token).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                lock (entry.Gate)
                {
                    var reply = SmtpReply.Of(451, "4.3.0", "Could not read the message from the queue: " + e.Message);
                    entry.PlannedResults.AddRange(Pending(entry).Select(i => RecipientResult.Ours(i, ResultKind.Deferred, reply)));
                }
                await FinishAttemptAsync(entry).ConfigureAwait(false);
                return;
            }
            // The first time this process reads the message: a new one, or one found in the spool at start-up that had no
            // attempt yet. Either way its reception has not been recorded.
            if (entry.Attempts == 0 && !entry.HasState) _tracker.Receive(entry);
        }
        // Delivery switched off (maintenance): the message waits, untouched, until a reload switches it on.
        if (!snapshot.Config.Delivery.Enabled)
        {
            lock (entry.Gate) entry.InFlight = false;
            return;
        }
        List<DeliveryJob> jobs;
        lock (entry.Gate)
        {
            entry.HealthVersion = Health.Version;
            var hops = entry.Headers.Count("Received");
            if (hops > snapshot.Config.Delivery.HopLimit)
            {
                var reply = SmtpReply.Of(554, "5.4.6", $"Too many hops ({hops} Received headers, the limit is {snapshot.Config.Delivery.HopLimit}): the message is in a mail loop");
                entry.PlannedResults.AddRange(Pending(entry).Select(i => RecipientResult.Ours(i, ResultKind.Failed, reply)));
                jobs = [];
            }
            else
            {
                (jobs, var decided) = DeliveryPlanner.Plan(entry, snapshot, _tracker);
                entry.PlannedResults.AddRange(decided);
            }
            entry.PendingJobs = jobs.Count;
        }
        if (jobs.Count == 0)
        {
            await FinishAttemptAsync(entry).ConfigureAwait(false);
            return;
        }
        foreach (var job in jobs)
        {
            _destinations.GetOrAdd(job.Destination.Key, _ => new DestinationQueue(job.Destination, AgentFor(job.Destination), this)).Post(job);
        }
    }

    private IDeliveryAgent AgentFor(Destination d) => d.Kind switch
    {
        DestinationKind.Maildir => _maildir,
        DestinationKind.Lmtp => _lmtp,
        _ => _smtp,
    };

    private static IEnumerable<int> Pending(QueueEntry entry) =>
        Enumerable.Range(0, entry.Recipients.Count).Where(i => entry.Recipients[i].Status == RecipientStatus.Pending);

    internal async Task JobDoneAsync(DeliveryJob job, IReadOnlyList<RecipientResult> results)
    {
        var entry = job.Entry;
        bool last;
        lock (entry.Gate)
        {
            entry.Results.AddRange(results);
            last = --entry.PendingJobs == 0;
        }
        if (last) await FinishAttemptAsync(entry).ConfigureAwait(false);
    }

    /// <summary>Records an attempt's outcome: DSNs first, then the progress (or the removal), then the next attempt.</summary>
    private async Task FinishAttemptAsync(QueueEntry entry)
    {
        var config = _services.Current.Config;
        var delivery = config.Delivery;
        var now = _services.Time.GetUtcNow();
        var envelope = entry.Envelope;
        var nullSender = envelope.ReversePath is null;
        var reports = new List<RecipientReport>();
        var failed = new List<(int Index, string Why)>();
        List<RecipientResult> results;
        lock (entry.Gate)
        {
            results = [.. entry.PlannedResults, .. entry.Results];
            foreach (var r in results)
            {
                var rec = entry.Recipients[r.Index];
                switch (r.Kind)
                {
                    case ResultKind.Delivered:
                        entry.Recipients[r.Index] = rec with { Status = RecipientStatus.Delivered, LastResult = LastResult(r) };
                        Interlocked.Increment(ref _delivered);
                        if (!r.Expanded) _services.Metrics.RecipientDelivered(now - envelope.ReceivedAt);
                        Log.Delivered(Logger, entry.Id, rec.Address.ToWire(), r.Hop ?? "-", r.Reply.ToString());
                        _tracker.Result(entry, rec, r, null);
                        var action = r.Expanded ? DsnAction.Expanded : r.PassedDsn ? (DsnAction?)null : r.Hop is "local" || r.Hop?.StartsWith("lmtp:", StringComparison.Ordinal) == true ? DsnAction.Delivered : DsnAction.Relayed;
                        if (action is { } a && DsnPolicy.Warrants(a, rec.Notify, nullSender)) reports.Add(Report(rec, r, a, now, null));
                        break;
                    case ResultKind.Failed:
                        failed.Add((r.Index, LastResult(r)));
                        Log.Failed(Logger, entry.Id, rec.Address.ToWire(), r.Hop ?? "-", r.Reply.ToString());
                        _tracker.Result(entry, rec, r, null);
                        if (DsnPolicy.Warrants(DsnAction.Failed, rec.Notify, nullSender)) reports.Add(Report(rec, r, DsnAction.Failed, now, null));
                        break;
                    default:
                        entry.Recipients[r.Index] = rec with { LastResult = LastResult(r) };
                        Interlocked.Increment(ref _deferred);
                        Log.Deferred(Logger, entry.Id, rec.Address.ToWire(), r.Hop ?? "-", r.Reply.ToString());
                        break;
                }
            }
            var deferred = results.Where(r => r.Kind == ResultKind.Deferred).ToList();
            var age = now - envelope.ReceivedAt;
            if (deferred.Count > 0 && age >= delivery.ExpireAfter)
            {
                foreach (var r in deferred)
                {
                    var rec = entry.Recipients[r.Index];
                    var reply = SmtpReply.Of(550, "5.4.7", $"Delivery time expired after {Age(age)}; last error: {r.Reply}");
                    failed.Add((r.Index, reply.ToString()));
                    Log.Failed(Logger, entry.Id, rec.Address.ToWire(), r.Hop ?? "-", reply.ToString());
                    _tracker.Result(entry, rec, r with { Kind = ResultKind.Failed, Reply = reply, RemoteMta = null, Explanation = reply.Text }, null);
                    if (DsnPolicy.Warrants(DsnAction.Failed, rec.Notify, nullSender))
                    {
                        reports.Add(Report(rec, r with { Reply = reply, RemoteMta = null }, DsnAction.Failed, now, null) with { Explanation = $"The message could not be delivered in {Age(age)}. {r.Explanation}" });
                    }
                }
            }
            else if (deferred.Count > 0 && delivery.DelayNoticeAfter is { } delay && age >= delay && !entry.DelayNoticeSent)
            {
                entry.DelayNoticeSent = true;
                foreach (var r in deferred)
                {
                    var rec = entry.Recipients[r.Index];
                    if (DsnPolicy.Warrants(DsnAction.Delayed, rec.Notify, nullSender)) reports.Add(Report(rec, r, DsnAction.Delayed, now, envelope.ReceivedAt + delivery.ExpireAfter));
                }
            }
        }

        var noticeStored = true;
        if (reports.Count > 0)
        {
            try
            {
                if (await _notices.SendAsync(entry, reports, _stop.Token).ConfigureAwait(false) is { } dsn)
                {
                    Interlocked.Increment(ref _noticesQueued);
                    Log.NoticeQueued(Logger, dsn.QueueId, entry.Id, envelope.ReversePathText, reports.Count);
                    _tracker.Dsn(entry, dsn.QueueId, reports.Select(x => (x.FinalRecipient, x.Action.ToString().ToLowerInvariant())));
                    Enqueue(dsn);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Without its notice stored, a failure is not recorded: the recipient is tried (and fails) again.
                Log.NoticeFailed(Logger, entry.Id, e.Message);
                noticeStored = false;
            }
        }

        lock (entry.Gate)
        {
            if (noticeStored)
            {
                foreach (var (index, why) in failed)
                {
                    entry.Recipients[index] = entry.Recipients[index] with { Status = RecipientStatus.Failed, LastResult = why };
                    Interlocked.Increment(ref _failed);
                }
            }
            entry.InFlight = false;
            entry.Attempts++;
            if (entry.PendingCount == 0)
            {
                entry.Gone = true;
                _entries.TryRemove(entry.Id, out _);
                _spool.Remove(entry.Id);
                return;
            }
            // The hop that failed may have been marked down meanwhile: plan again now, by another route.
            entry.NextAttempt = entry.HealthVersion != Health.Version ? now : now + delivery.RetryAfter(entry.Attempts);
            SaveState(entry);
            foreach (var r in results.Where(r => r.Kind == ResultKind.Deferred && entry.Recipients[r.Index].Status == RecipientStatus.Pending))
            {
                _tracker.Result(entry, entry.Recipients[r.Index], r, entry.NextAttempt);
            }
        }
        Schedule(entry, entry.NextAttempt!.Value);
    }

    /// <summary>What the queue listing shows: the remote server's words with its name, or our reply with its codes.</summary>
    private static string LastResult(RecipientResult r) => r.RemoteMta is null ? r.Reply.ToString() : r.Explanation;

    private static RecipientReport Report(RecipientState rec, RecipientResult r, DsnAction action, DateTimeOffset now, DateTimeOffset? retryUntil) => new(
        rec.Address.ToWire(),
        rec.OriginalRecipient,
        action,
        r.Reply.Status?.ToString() ?? (r.Reply.IsPositive ? "2.0.0" : r.Reply.IsPermanent ? "5.0.0" : "4.0.0"),
        r.RemoteMta,
        r.RemoteMta is null ? null : r.Reply.ToString(),
        r.Explanation,
        now,
        retryUntil);

    private static string Age(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0.#} days" : t.TotalHours >= 1 ? $"{t.TotalHours:0.#} hours" : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0} minutes" : $"{t.TotalSeconds:0} seconds";

    private void SaveState(QueueEntry entry)
    {
        try
        {
            _spool.SaveState(entry.Id, entry.ToState());
            entry.HasState = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.StateNotSaved(Logger, entry.Id, e.Message);
        }
    }

    private void Schedule(QueueEntry entry, DateTimeOffset at)
    {
        lock (_waitingGate)
        {
            var earliest = _waiting.TryPeek(out _, out var first) ? first : DateTimeOffset.MaxValue;
            _waiting.Enqueue(entry, at);
            if (at < earliest) _wake.Release();
        }
    }

    private async Task TimerLoopAsync()
    {
        var time = _services.Time;
        while (!_stop.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (_waitingGate)
            {
                var now = time.GetUtcNow();
                while (_waiting.TryPeek(out var entry, out var at) && at <= now)
                {
                    _waiting.Dequeue();
                    // Stale items (retried early, finished, held) are skipped: the entry's own time is the truth.
                    if (!entry.Gone && !entry.Held && !entry.InFlight && entry.NextAttempt is { } due && due <= now) _ready.Writer.TryWrite(entry);
                }
                wait = _waiting.TryPeek(out _, out var next) ? next - now : Timeout.InfiniteTimeSpan;
            }
            try
            {
                using var timeout = wait == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(wait, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
                await _wake.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void ReportHealth(Destination d, bool success)
    {
        if (d.HealthKey is not { } key) return;
        var changed = Health.Report(key, success, _services.Current.Config.Delivery.MarkDownAfter, _services.Time.GetUtcNow());
        if (!changed) return;
        if (success) Log.HopUp(Logger, key);
        else Log.HopDown(Logger, key);
        OnHealthChanged();
    }

    /// <summary>Routing sees the new health at once, and every waiting message is planned again now (failover, or back to the cheaper route).</summary>
    private void OnHealthChanged()
    {
        _services.Swap(_services.Current.WithHealth(Health.ToRouting()));
        RetryWhere(_ => true);
    }

    private async Task ProbeLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_services.Current.Config.Delivery.ProbeInterval, _services.Time, _stop.Token).ConfigureAwait(false);
                foreach (var key in Health.Down.Keys)
                {
                    if (ProbeTarget(key) is { } d && await ProbeAsync(d).ConfigureAwait(false)) ReportHealth(d, success: true);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private Destination? ProbeTarget(string key)
    {
        var config = _services.Current.Config;
        if (key.StartsWith("server:", StringComparison.Ordinal)) return new Destination(DestinationKind.Server, key[7..], null, key);
        var connector = config.Connectors.FirstOrDefault(c => "connector:" + c.Name == key);
        return connector?.SmartHost is { } smart ? new Destination(DestinationKind.Host, smart, connector.Name, key) : null;
    }

    /// <summary>Connects, reads the greeting and says QUIT: enough to know the hop answers.</summary>
    private async Task<bool> ProbeAsync(Destination d)
    {
        var snapshot = _services.Current;
        var (targets, refusal) = await _context.Targets.FindAsync(d, snapshot, _stop.Token).ConfigureAwait(false);
        if (refusal is not null) return false;
        var options = new SmtpClientOptions(snapshot.Server.Hostname, OutboundTls.None, LocalAddress: snapshot.Server.OutboundAddress,
            Timeouts: SmtpClientTimeouts.Rfc5321 with { Connect = snapshot.Config.Delivery.ConnectTimeout, Greeting = TimeSpan.FromSeconds(30), Ehlo = TimeSpan.FromSeconds(30) });
        foreach (var (host, endpoint) in targets)
        {
            try
            {
                await using var c = await SmtpClientConnection.ConnectAsync(endpoint, host, options, _stop.Token).ConfigureAwait(false);
                await c.QuitAsync(_stop.Token).ConfigureAwait(false);
                return true;
            }
            catch (SmtpDeliveryException)
            {
            }
        }
        return false;
    }

    // ---- administration (the admin API's queue endpoints) ----

    /// <summary>A snapshot of the queue, optionally only messages with a recipient waiting for <paramref name="destination"/>.</summary>
    public IReadOnlyList<QueuedItem> List(string? destination = null)
    {
        var now = _services.Time.GetUtcNow();
        var items = new List<QueuedItem>();
        foreach (var e in _entries.Values)
        {
            var item = Describe(e, now);
            if (destination is null || item.Recipients.Any(r => r.Status == "pending" && DestinationMatches(r.Destination, r.Address, destination))) items.Add(item);
        }
        return items.OrderBy(i => i.Arrived).ThenBy(i => i.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>One message, or null.</summary>
    public QueuedItem? Show(string id) => _entries.TryGetValue(id, out var e) ? Describe(e, _services.Time.GetUtcNow()) : null;

    /// <summary>Whether a waiting recipient answers to <paramref name="wanted"/>: its whole destination key, the next hop
    /// (<c>mx:example.com</c>, <c>example.com</c>, a server or host name), the connector, or the recipient's own domain.</summary>
    private static bool DestinationMatches(string? key, string address, string wanted)
    {
        var at = address.LastIndexOf('@');
        if (at >= 0 && address[(at + 1)..].Equals(wanted, StringComparison.OrdinalIgnoreCase)) return true;
        if (key is null) return false;
        var via = key.IndexOf(" via ", StringComparison.Ordinal);
        var hop = via < 0 ? key : key[..via];
        var connector = via < 0 ? null : key[(via + 5)..];
        var colon = hop.IndexOf(':', StringComparison.Ordinal);
        return key.Equals(wanted, StringComparison.OrdinalIgnoreCase)
            || hop.Equals(wanted, StringComparison.OrdinalIgnoreCase)
            || (colon >= 0 && hop[(colon + 1)..].Equals(wanted, StringComparison.OrdinalIgnoreCase))
            || (connector?.Equals(wanted, StringComparison.OrdinalIgnoreCase) ?? false);
    }

    private static QueuedItem Describe(QueueEntry e, DateTimeOffset now)
    {
        lock (e.Gate)
        {
            var recipients = e.Recipients.Select((r, i) => new QueuedRecipient(
                r.Address.ToWire(),
                r.Status.ToString().ToLowerInvariant(),
                e.Destinations.GetValueOrDefault(i),
                r.LastResult,
                r.ExpandedFrom)).ToArray();
            return new QueuedItem(e.Id, e.Envelope.ReversePathText, e.Message.BodyLength, e.Envelope.ReceivedAt, (long)(now - e.Envelope.ReceivedAt).TotalSeconds,
                e.Attempts, e.NextAttempt, e.Held, e.InFlight, e.Headers?.Get("Subject"), e.Headers?.Get("Message-ID"), recipients);
        }
    }

    /// <summary>Attempts a message now. False when it is not in the queue.</summary>
    public bool Retry(string id)
    {
        if (!_entries.TryGetValue(id, out var e)) return false;
        RetryNow(e);
        return true;
    }

    /// <summary>Attempts now every message with a recipient waiting for <paramref name="destination"/> (null: all). Returns how many.</summary>
    public int RetryDestination(string? destination) =>
        RetryWhere(e => destination is null || Pending(e).Any(i => DestinationMatches(e.Destinations.GetValueOrDefault(i), e.Recipients[i].Address.ToWire(), destination)));

    private int RetryWhere(Func<QueueEntry, bool> which)
    {
        var n = 0;
        foreach (var e in _entries.Values)
        {
            bool match;
            lock (e.Gate) match = !e.Gone && !e.Held && !e.InFlight && which(e);
            if (match && RetryNow(e)) n++;
        }
        return n;
    }

    private bool RetryNow(QueueEntry e)
    {
        lock (e.Gate)
        {
            if (e.Gone || e.Held || e.InFlight) return false;
            e.NextAttempt = _services.Time.GetUtcNow();
        }
        _ready.Writer.TryWrite(e);
        return true;
    }

    /// <summary>Keeps a message from being attempted until it is released.</summary>
    public AdminResult Hold(string id, string who)
    {
        if (!_entries.TryGetValue(id, out var e)) return AdminResult.NotFound;
        lock (e.Gate)
        {
            e.Held = true;
            SaveState(e);
        }
        Log.Admin(Logger, who, "hold", id);
        _tracker.Admin(e, who, "hold");
        return AdminResult.Done;
    }

    /// <summary>Releases a held message and attempts it now.</summary>
    public AdminResult Release(string id, string who)
    {
        if (!_entries.TryGetValue(id, out var e)) return AdminResult.NotFound;
        lock (e.Gate)
        {
            e.Held = false;
            SaveState(e);
        }
        Log.Admin(Logger, who, "release", id);
        _tracker.Admin(e, who, "release");
        RetryNow(e);
        return AdminResult.Done;
    }

    /// <summary>Deletes a message; with <paramref name="bounce"/> its sender first gets a DSN for the recipients not yet delivered.</summary>
    public async Task<AdminResult> DeleteAsync(string id, bool bounce, string who)
    {
        if (!_entries.TryGetValue(id, out var e)) return AdminResult.NotFound;
        List<RecipientReport> reports = [];
        lock (e.Gate)
        {
            if (e.InFlight) return AdminResult.Busy;
            e.Held = true; // no attempt may start while the notice is written
            if (bounce)
            {
                var now = _services.Time.GetUtcNow();
                var reply = SmtpReply.Of(550, "5.0.0", "Deleted from the queue by the administrator");
                foreach (var i in Pending(e))
                {
                    var rec = e.Recipients[i];
                    if (DsnPolicy.Warrants(DsnAction.Failed, rec.Notify, e.Envelope.ReversePath is null))
                    {
                        reports.Add(Report(rec, RecipientResult.Ours(i, ResultKind.Failed, reply,
                            "The message was deleted from the queue by the administrator before it could be delivered." + (rec.LastResult is null ? "" : " Last error: " + rec.LastResult)), DsnAction.Failed, now, null));
                    }
                }
            }
        }
        if (reports.Count > 0 && await _notices.SendAsync(e, reports, _stop.Token).ConfigureAwait(false) is { } dsn)
        {
            Interlocked.Increment(ref _noticesQueued);
            Log.NoticeQueued(Logger, dsn.QueueId, e.Id, e.Envelope.ReversePathText, reports.Count);
            _tracker.Dsn(e, dsn.QueueId, reports.Select(x => (x.FinalRecipient, "failed")));
            Enqueue(dsn);
        }
        lock (e.Gate)
        {
            e.Gone = true;
            _entries.TryRemove(id, out _);
            _spool.Remove(id);
        }
        Log.Admin(Logger, who, bounce ? "delete --bounce" : "delete", id);
        _tracker.Admin(e, who, bounce ? "delete --bounce" : "delete");
        return AdminResult.Done;
    }

    /// <summary>Messages by destination and age, in the spirit of Postfix's qshape: rows are destinations, columns age buckets in minutes.</summary>
    public QueueShape Shape()
    {
        int[] bounds = [5, 10, 20, 40, 80, 160, 320, 640, 1280];
        var now = _services.Time.GetUtcNow();
        var rows = new Dictionary<string, int[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in _entries.Values)
        {
            HashSet<string> destinations;
            lock (e.Gate)
            {
                destinations = Pending(e).Select(i => e.Destinations.GetValueOrDefault(i) ?? "(not yet planned)").ToHashSet();
            }
            var minutes = (now - e.Envelope.ReceivedAt).TotalMinutes;
            var bucket = Array.FindIndex(bounds, b => minutes < b);
            if (bucket < 0) bucket = bounds.Length;
            foreach (var d in destinations)
            {
                if (!rows.TryGetValue(d, out var counts)) rows[d] = counts = new int[bounds.Length + 1];
                counts[bucket]++;
            }
        }
        return new QueueShape(bounds, rows.OrderByDescending(r => r.Value.Sum()).ThenBy(r => r.Key, StringComparer.Ordinal)
            .Select(r => new QueueShapeRow(r.Key, r.Value.Sum(), r.Value)).ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _ready.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    // ---- metrics (read-only) ----

    /// <summary>Per destination: messages and recipients waiting for it, and the age of its oldest message (the queue gauges of /metrics).</summary>
    /// <remarks>Destinations as in <see cref="Shape"/>: the next hop of the last attempt, "(not yet planned)" before the first.</remarks>
    public IReadOnlyList<(string Destination, int Messages, int Recipients, TimeSpan OldestAge)> Backlog()
    {
        var now = _services.Time.GetUtcNow();
        var rows = new Dictionary<string, (int Messages, int Recipients, DateTimeOffset Oldest)>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in _entries.Values)
        {
            string[] waiting;
            lock (e.Gate)
            {
                waiting = Pending(e).Select(i => e.Destinations.GetValueOrDefault(i) ?? "(not yet planned)").ToArray();
            }
            var arrived = e.Envelope.ReceivedAt;
            foreach (var d in waiting.GroupBy(d => d, StringComparer.OrdinalIgnoreCase))
            {
                var row = rows.TryGetValue(d.Key, out var seen) ? seen : (Messages: 0, Recipients: 0, Oldest: arrived);
                rows[d.Key] = (row.Messages + 1, row.Recipients + d.Count(), arrived < row.Oldest ? arrived : row.Oldest);
            }
        }
        return rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (r.Key, r.Value.Messages, r.Value.Recipients, now - r.Value.Oldest)).ToArray();
    }
}

/// <summary>The outcome of an administrator's queue command.</summary>
public enum AdminResult
{
    Done,
    NotFound,

    /// <summary>The message is being delivered right now; try again in a moment.</summary>
    Busy,
}

/// <summary>One recipient of a queued message as the queue listing shows it.</summary>
public sealed record QueuedRecipient(string Address, string Status, string? Destination, string? LastResult, string? ExpandedFrom);

/// <summary>One queued message as <c>gatehouse queue list</c> and <c>queue show</c> show it.</summary>
public sealed record QueuedItem(string Id, string Sender, long Size, DateTimeOffset Arrived, long AgeSeconds, int Attempts, DateTimeOffset? NextAttempt, bool Held, bool InFlight,
    string? Subject, string? MessageId, IReadOnlyList<QueuedRecipient> Recipients);

/// <summary>A qshape-style table: messages per destination and age bucket.</summary>
/// <param name="Bounds">Upper bounds in minutes of all but the last bucket.</param>
public sealed record QueueShape(IReadOnlyList<int> Bounds, IReadOnlyList<QueueShapeRow> Rows);

/// <summary>One destination's row in <see cref="QueueShape"/>.</summary>
public sealed record QueueShapeRow(string Destination, int Total, IReadOnlyList<int> Counts);
