using Gatehouse.Core.Tracking;

namespace Gatehouse.Server.Tracking;

/// <summary>One event of a timeline as the admin API shows it.</summary>
/// <param name="Type">The stable name: RECEIVE, RESOLVE, ..., RELAY-DENIED.</param>
public sealed record TrackedEvent(DateTimeOffset Time, string Server, string Type, string? QueueId, string? Sender, string? Recipient, IReadOnlyDictionary<string, string> Facts);

/// <summary>One message's timeline: every event of it, on every server that answered, oldest first.</summary>
/// <param name="MessageId">The Message-ID (without angle brackets), or null for a message without one (then it is one server's queue id).</param>
/// <param name="Sender">The envelope sender as the first server that received it saw it ("" for the null sender).</param>
public sealed record TrackedMessage(string? MessageId, string? Sender, IReadOnlyList<TrackedEvent> Events);

/// <summary>A server whose events are missing from an answer, and why.</summary>
public sealed record UnreachableServer(string Server, string Reason);

/// <summary>The body of <c>GET /track</c>: the timelines, the servers that answered, and those that did not.</summary>
public sealed record TrackingSearchResult(IReadOnlyList<TrackedMessage> Messages, IReadOnlyList<string> Servers, IReadOnlyList<UnreachableServer> Unreachable);

/// <summary>Groups tracking events into one timeline per message, and takes timelines apart again to merge those of several servers.</summary>
/// <remarks>
/// Pure. A message is its Message-ID; an event without one joins the message that another event of
/// the same server and queue id names, else it is grouped by server and queue id (a message without
/// a Message-ID cannot be followed from one server to the next). An event with neither is a message
/// of its own. Events keep the order they are given in among equal times, because the clocks of two
/// servers never agree to the millisecond anyway.
/// </remarks>
public static class TrackingTimeline
{
    /// <summary>The timelines of <paramref name="events"/>, the message whose first event is oldest first.</summary>
    public static IReadOnlyList<TrackedMessage> Group(IEnumerable<TrackingEvent> events)
    {
        var all = events.ToList();
        var byQueue = new Dictionary<(string, string), string>();
        foreach (var e in all)
        {
            if (e.MessageId is { } m && e.QueueId is { } q) byQueue.TryAdd((e.Server, q), m);
        }
        var groups = new Dictionary<string, List<TrackingEvent>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < all.Count; i++)
        {
            var e = all[i];
            var key = e.MessageId is { } id ? "m\n" + id
                : e.QueueId is { } q ? byQueue.TryGetValue((e.Server, q), out var known) ? "m\n" + known : "q\n" + e.Server + "\n" + q
                : "e\n" + i;
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                order.Add(key);
            }
            list.Add(e);
        }
        return order
            .Select(k => groups[k].OrderBy(e => e.Time).ToList())
            .OrderBy(l => l[0].Time)
            .Select(l => new TrackedMessage(
                l.Select(e => e.MessageId).FirstOrDefault(m => m is not null),
                (l.FirstOrDefault(e => e.Type == TrackingEventType.Receive) ?? l.FirstOrDefault(e => e.Sender is not null))?.Sender,
                l.Select(Show).ToArray()))
            .ToArray();
    }

    /// <summary>The events of <paramref name="messages"/> again, each with its message's Message-ID, to be grouped with those of other servers.</summary>
    public static IEnumerable<TrackingEvent> Flatten(IEnumerable<TrackedMessage> messages) =>
        messages.SelectMany(m => m.Events.Select(e => new TrackingEvent(e.Time, e.Server, TrackingStore.ParseType(e.Type), e.QueueId, m.MessageId, e.Sender, e.Recipient, e.Facts)));

    /// <summary>Events with duplicates removed: the same event can come back from two rounds of an organization-wide search.</summary>
    public static IEnumerable<TrackingEvent> Distinct(IEnumerable<TrackingEvent> events)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            var key = string.Join('\n', e.Time.ToUnixTimeMilliseconds(), e.Server, e.TypeName, e.QueueId, e.MessageId, e.Sender, e.Recipient, TrackingStore.FactsJson(e.Facts));
            if (seen.Add(key)) yield return e;
        }
    }

    public static TrackedEvent Show(TrackingEvent e) => new(e.Time, e.Server, e.TypeName, e.QueueId, e.Sender, e.Recipient, e.Facts);
}
