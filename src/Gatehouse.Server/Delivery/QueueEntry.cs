using Gatehouse.Core.Content;
using Gatehouse.Core.Envelope;
using Gatehouse.Spool;

namespace Gatehouse.Server.Delivery;

/// <summary>A queued message as the scheduler holds it in memory: the spool's copy plus its progress.</summary>
/// <remarks>Guarded by its own lock: the planner, the destination workers and the admin API all touch it.</remarks>
internal sealed class QueueEntry
{
    public QueueEntry(QueuedMessage message, QueueState? state)
    {
        Message = message;
        Recipients = state?.Recipients.ToList()
            ?? message.Envelope.Recipients.Select(r => new RecipientState(r.Address, r.Notify, r.OriginalRecipient, RecipientStatus.Pending)).ToList();
        Attempts = state?.Attempts ?? 0;
        NextAttempt = state?.NextAttempt;
        Held = state?.Held ?? false;
        DelayNoticeSent = state?.DelayNoticeSent ?? false;
        HasState = state is not null;
    }

    public object Gate { get; } = new();

    public QueuedMessage Message { get; }

    public string Id => Message.QueueId;

    public MailEnvelope Envelope => Message.Envelope;

    public List<RecipientState> Recipients { get; }

    public int Attempts { get; set; }

    public DateTimeOffset? NextAttempt { get; set; }

    public bool Held { get; set; }

    public bool DelayNoticeSent { get; set; }

    /// <summary>A state file exists in the spool for this message.</summary>
    public bool HasState { get; set; }

    /// <summary>An attempt is under way: jobs are out with the destination queues.</summary>
    public bool InFlight { get; set; }

    /// <summary>Removed from the queue (delivered, bounced or deleted): late callbacks ignore it.</summary>
    public bool Gone { get; set; }

    /// <summary>Jobs of the current attempt not yet finished.</summary>
    public int PendingJobs { get; set; }

    /// <summary>Results of the current attempt, gathered from its jobs.</summary>
    public List<RecipientResult> Results { get; } = [];

    /// <summary>Results decided while planning (refusals, expansions) that count as this attempt's too.</summary>
    public List<RecipientResult> PlannedResults { get; } = [];

    /// <summary>The destination of each pending recipient at its last attempt, for the queue listing.</summary>
    /// <summary>Per recipient index, the address the last plan sends on the wire, where it differs from the recipient's own (a contact's target, a type map, an encapsulation).</summary>
    public Dictionary<int, string> WireAddresses { get; } = [];

    public Dictionary<int, string> Destinations { get; } = [];

    /// <summary>The health version when the current attempt was planned: a change since means "plan again now".</summary>
    public long HealthVersion { get; set; }

    /// <summary>The header section, read once when first needed.</summary>
    public HeaderSection? Headers { get; set; }

    public int PendingCount => Recipients.Count(r => r.Status == RecipientStatus.Pending);

    public QueueState ToState() => new(Attempts, NextAttempt, Held, DelayNoticeSent, Recipients.ToArray());
}
