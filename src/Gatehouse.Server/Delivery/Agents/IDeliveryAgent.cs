namespace Gatehouse.Server.Delivery.Agents;

/// <summary>A way of delivering: SMTP to a next hop, a Maildir, LMTP. Chosen by the destination's kind.</summary>
internal interface IDeliveryAgent
{
    /// <summary>Opens a session for one destination; a destination worker sends its jobs through it one after another.</summary>
    IDeliverySession Open(Destination destination);
}

/// <summary>Consecutive deliveries to one destination, sharing what can be shared (an SMTP connection).</summary>
internal interface IDeliverySession : IAsyncDisposable
{
    /// <summary>Delivers one job; never throws for a delivery problem: each recipient gets a result.</summary>
    Task<IReadOnlyList<RecipientResult>> DeliverAsync(DeliveryJob job, CancellationToken cancellationToken);
}
