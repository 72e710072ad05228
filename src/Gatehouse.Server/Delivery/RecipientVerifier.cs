using System.Collections.Concurrent;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Protocol;
using Gatehouse.Server.Delivery.Smtp;
using Gatehouse.Server.Smtp;

namespace Gatehouse.Server.Delivery;

/// <summary>Asks the host a forwarded domain's mail goes to whether it takes an address, at RCPT time (<c>accepted_domains.verify_recipients</c>), and remembers the answer.</summary>
/// <remarks>
/// <para>Why: a forwarded domain otherwise takes every local part and bounces the unknown ones later,
/// to a sender that is often forged (backscatter). Asking first moves the refusal into the client's
/// own session, as Postfix's <c>reject_unverified_recipient</c> does.</para>
/// <para>How: MAIL FROM:&lt;&gt;, RCPT TO, RSET, QUIT on a connection of its own (at most
/// <see cref="MaxConcurrentProbes"/> at once); nothing is sent. The
/// host's acceptance is remembered for <see cref="AcceptedFor"/>, its refusal for
/// <see cref="RefusedFor"/>; a host that cannot answer (down, slow, 4xx) is not remembered and the
/// client is told to try again later. Concurrent questions about one address share one probe.</para>
/// </remarks>
public sealed class RecipientVerifier
{
    private readonly SmtpServices _services;
    private readonly TargetFinder _targets;

    internal RecipientVerifier(SmtpServices services, TargetFinder targets)
    {
        _services = services;
        _targets = targets;
    }

    /// <summary>How long an address the host took is taken without asking again.</summary>
    public static readonly TimeSpan AcceptedFor = TimeSpan.FromDays(1);

    /// <summary>How long an address the host refused is refused without asking again: short, so a new mailbox there works soon.</summary>
    public static readonly TimeSpan RefusedFor = TimeSpan.FromMinutes(10);

    /// <summary>How long a client's RCPT waits for the host's answer before it is told to try again later.</summary>
    public static readonly TimeSpan WaitAtMost = TimeSpan.FromSeconds(20);

    /// <summary>Most answers remembered: a client trying random addresses must not grow the memory without end.</summary>
    public const int MaxRemembered = 100_000;

    /// <summary>Most conversations with forwarding hosts at once: a flood of RCPTs must not become a flood of connections to them.</summary>
    public const int MaxConcurrentProbes = 10;

    private readonly SemaphoreSlim _probeSlots = new(MaxConcurrentProbes, MaxConcurrentProbes);

    private readonly ConcurrentDictionary<string, (SmtpReply? Refusal, DateTimeOffset Until)> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<Task<SmtpReply?>>> _asking = new(StringComparer.OrdinalIgnoreCase);
    private long _probes;

    /// <summary>Conversations held with forwarding hosts so far (answers from memory are not counted).</summary>
    public long Probes => Interlocked.Read(ref _probes);

    /// <summary>Null when <paramref name="host"/> takes <paramref name="address"/>; else the reply for the client's RCPT.</summary>
    public async Task<SmtpReply?> CheckAsync(string host, string address, bool smtpUtf8, CancellationToken ct)
    {
        var key = host + " " + address;
        if (_answers.TryGetValue(key, out var known) && known.Until > _services.Time.GetUtcNow()) return known.Refusal;
        var asking = _asking.GetOrAdd(key, _ => new Lazy<Task<SmtpReply?>>(() => AskAsync(key, host, address, smtpUtf8)));
        try
        {
            return await asking.Value.WaitAsync(WaitAtMost, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return TryLater(address, host, "it did not answer in time");
        }
    }

    private async Task<SmtpReply?> AskAsync(string key, string host, string address, bool smtpUtf8)
    {
        try
        {
            Interlocked.Increment(ref _probes);
            var (reply, remember) = await ProbeAsync(host, address, smtpUtf8).ConfigureAwait(false);
            if (remember) Remember(key, reply);
            return reply;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever went wrong in asking, the client's session must go on: it hears "later", and nothing is remembered.
            return TryLater(address, host, e.Message);
        }
        finally
        {
            _asking.TryRemove(key, out _);
        }
    }

    private async Task<(SmtpReply? Reply, bool Remember)> ProbeAsync(string host, string address, bool smtpUtf8)
    {
        var snapshot = _services.Current;
        var destination = Destination.ForRoute("host:" + host, null, snapshot.Config);
        if (!await _probeSlots.WaitAsync(WaitAtMost).ConfigureAwait(false)) return (TryLater(address, host, "too many questions are waiting for an answer"), false);
        try
        {
            using var cts = new CancellationTokenSource(WaitAtMost);
            return await ProbeInSlotAsync(host, address, smtpUtf8, snapshot, destination, cts.Token).ConfigureAwait(false);
        }
        finally
        {
            _probeSlots.Release();
        }
    }

    private async Task<(SmtpReply? Reply, bool Remember)> ProbeInSlotAsync(string host, string address, bool smtpUtf8, ServerSnapshot snapshot, Destination destination, CancellationToken ct)
    {
        var (found, refusal) = await _targets.FindAsync(destination, snapshot, ct).ConfigureAwait(false);
        if (refusal is not null) return (TryLater(address, host, refusal.Text), false);
        var options = new SmtpClientOptions(snapshot.Server.Hostname, OutboundTls.None, LocalAddress: snapshot.Server.OutboundAddress,
            Timeouts: SmtpClientTimeouts.Rfc5321 with { Connect = snapshot.Config.Delivery.ConnectTimeout, Greeting = WaitAtMost, Ehlo = WaitAtMost, Mail = WaitAtMost, Rcpt = WaitAtMost });
        var why = "no address to connect to";
        foreach (var (name, endpoint) in found)
        {
            try
            {
                await using var c = await SmtpClientConnection.ConnectAsync(endpoint, name, options, ct).ConfigureAwait(false);
                var reply = await c.ProbeRecipientAsync(address, smtpUtf8, ct).ConfigureAwait(false);
                await c.QuitAsync(ct).ConfigureAwait(false);
                if (reply.IsPositive) return (null, true);
                if (reply.Code >= 500) return (Refused(address, host, reply), true);
                return (TryLater(address, host, reply.ToString()), false);
            }
            catch (SmtpDeliveryException e)
            {
                why = e.Reply.Text;
            }
            catch (OperationCanceledException)
            {
                why = "it did not answer in time";
            }
        }
        return (TryLater(address, host, why), false);
    }

    private void Remember(string key, SmtpReply? reply)
    {
        var now = _services.Time.GetUtcNow();
        if (_answers.Count >= MaxRemembered)
        {
            foreach (var (k, v) in _answers)
            {
                if (v.Until <= now) _answers.TryRemove(k, out _);
            }
            if (_answers.Count >= MaxRemembered) _answers.Clear();
        }
        _answers[key] = (reply, now + (reply is null ? AcceptedFor : RefusedFor));
    }

    private static SmtpReply Refused(string address, string host, SmtpReply reply) =>
        SmtpReply.Of(550, reply.Status is { Class: 5 } s ? s.ToString() : "5.1.1", $"<{address}>: refused by {host}, which takes this domain's mail: {reply}");

    private static SmtpReply TryLater(string address, string host, string why) =>
        SmtpReply.Of(450, "4.4.1", $"<{address}>: cannot ask {host}, which takes this domain's mail, whether it exists ({why}); try again later");
}
