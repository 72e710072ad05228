namespace Gatehouse.Core.Tracking;

/// <summary>The steps a message takes, as the tracking log names them (stable: stored and searched).</summary>
public enum TrackingEventType
{
    /// <summary>Accepted from a client: facts client_ip, helo, tls, auth, listener, size.</summary>
    Receive,

    /// <summary>An address rewritten on the way to its destination: facts before, after, rule (proxy, contact, decapsulation, one-off, ...).</summary>
    Resolve,

    /// <summary>A distribution list expanded: facts list, members.</summary>
    Expand,

    /// <summary>A route chosen: facts action, connector, next_hop, address_space, cost, trace.</summary>
    Route,

    /// <summary>A recipient refused because the client may not relay: facts client_ip, auth, reason.</summary>
    RelayDenied,

    /// <summary>A recipient at a forwarded domain that its host refused, or could not be asked about, at RCPT (accepted_domains.verify_recipients): facts host, outcome (refused, later), reply, client_ip, helo.</summary>
    Verify,

    /// <summary>Handed to another server or an outside host: facts next_hop, host, reply.</summary>
    Transfer,

    /// <summary>Stored in a mailbox on this server: facts mailbox, reply.</summary>
    Deliver,

    /// <summary>Not delivered this time: facts next_hop, reason, next_retry.</summary>
    Defer,

    /// <summary>Failed for good: facts status, reason, next_hop.</summary>
    Fail,

    /// <summary>A delivery status notification queued: facts dsn_queue_id, action, recipients.</summary>
    Dsn,

    /// <summary>An administrator acted on the message: facts who, action.</summary>
    Admin,
}

/// <summary>One step of one message on one server: the unit of the tracking log.</summary>
/// <param name="Server">The server that recorded it (its name in the configuration).</param>
/// <param name="QueueId">The queue id on that server, when the message has one there.</param>
/// <param name="MessageId">The Message-ID header field without angle brackets, when the message has one: what joins a message's steps across servers.</param>
/// <param name="Sender">The envelope sender (empty for the null sender).</param>
/// <param name="Recipient">The recipient the step is about, as the envelope names it, when the step is about one.</param>
/// <param name="Facts">The facts of the step, by stable lower-case names (see <see cref="TrackingEventType"/>).</param>
public sealed record TrackingEvent(
    DateTimeOffset Time,
    string Server,
    TrackingEventType Type,
    string? QueueId,
    string? MessageId,
    string? Sender,
    string? Recipient,
    IReadOnlyDictionary<string, string> Facts)
{
    /// <summary>The name of the type as stored and shown: RECEIVE, RELAY-DENIED, ...</summary>
    public string TypeName => Name(Type);

    public static string Name(TrackingEventType t) => t == TrackingEventType.RelayDenied ? "RELAY-DENIED" : t.ToString().ToUpperInvariant();
}

/// <summary>Where tracking events go. Never blocks and never throws: tracking must not slow or stop mail.</summary>
public interface ITrackingSink
{
    void Record(TrackingEvent e);
}

/// <summary>A sink that drops everything (tracking off, and tests that do not look).</summary>
public sealed class NoTracking : ITrackingSink
{
    public static readonly NoTracking Instance = new();

    public void Record(TrackingEvent e)
    {
    }
}
