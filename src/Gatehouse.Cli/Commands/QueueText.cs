using System.Globalization;
using System.Text;
using Gatehouse.Server.Delivery;
using Gatehouse.Server.Hosting;

namespace Gatehouse.Cli.Commands;

/// <summary>The human forms of the queue: a listing like Postfix's mailq, a table like qshape, one message in full.</summary>
/// <remarks>Pure: objects in, text out, so that the layout is the same whatever the terminal.</remarks>
internal static class QueueText
{
    private const int IdWidth = 15;

    /// <summary>mailq: a block per message (id with <c>*</c> while delivering or <c>!</c> when held, size, arrival, sender), each pending recipient under it, and a count.</summary>
    public static string Listing(QueueListing listing)
    {
        var s = new StringBuilder();
        if (listing.Messages.Count > 0) s.Append(CultureInfo.InvariantCulture, $"{"-Queue ID-",-IdWidth} --Size-- ----Arrival Time---- -Sender/Recipient-------\n");
        foreach (var m in listing.Messages)
        {
            var marked = m.Id + (m.InFlight ? "*" : m.Held ? "!" : "");
            s.Append(CultureInfo.InvariantCulture, $"{marked,-IdWidth} {m.Size,8} {Arrival(m.Arrived),-20} {Sender(m.Sender)}\n");
            foreach (var r in m.Recipients.Where(r => r.Status == "pending")) s.Append("    ").Append(Recipient(r)).Append('\n');
            s.Append('\n');
        }
        s.Append(CultureInfo.InvariantCulture, $"{Plural(listing.Messages.Count, "message")}, {Plural(listing.RecipientsWaiting, "recipient")} waiting\n");
        return s.ToString();
    }

    /// <summary>qshape: a TOTAL row and a row per destination; T is the total, then messages per age bucket in minutes.</summary>
    public static string Shape(QueueShape shape)
    {
        var header = new List<string> { "", "T" };
        header.AddRange(shape.Bounds.Select(b => b.ToString(CultureInfo.InvariantCulture)));
        header.Add((shape.Bounds.Count > 0 ? shape.Bounds[^1] : 0).ToString(CultureInfo.InvariantCulture) + "+");
        var buckets = shape.Bounds.Count + 1;
        var total = new int[buckets];
        foreach (var row in shape.Rows)
        {
            for (var i = 0; i < buckets && i < row.Counts.Count; i++) total[i] += row.Counts[i];
        }
        var rows = new List<List<string>> { header, Row("TOTAL", total.Sum(), total) };
        rows.AddRange(shape.Rows.Select(r => Row(r.Destination, r.Total, r.Counts)));
        var widths = Enumerable.Range(0, header.Count).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var s = new StringBuilder();
        foreach (var r in rows) s.Append(string.Join(" ", r.Select((cell, c) => cell.PadLeft(widths[c])))).Append('\n');
        return s.ToString();

        static List<string> Row(string name, int t, IEnumerable<int> counts) =>
            [name, t.ToString(CultureInfo.InvariantCulture), .. counts.Select(c => c.ToString(CultureInfo.InvariantCulture))];
    }

    /// <summary>Everything the queue knows of one message.</summary>
    public static string Message(QueuedItem m)
    {
        var s = new StringBuilder();
        Line("id", m.Id);
        Line("sender", m.Sender);
        Line("size", m.Size.ToString(CultureInfo.InvariantCulture));
        Line("arrived", $"{m.Arrived.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z ({Age(m.AgeSeconds)} ago)");
        Line("attempts", m.Attempts.ToString(CultureInfo.InvariantCulture));
        Line("next attempt", m.NextAttempt is { } next ? $"{next.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z" : "-");
        Line("state", m.InFlight ? "being delivered now" : m.Held ? "held (gatehouse queue release to let it go)" : m.NextAttempt is null ? "waiting for its first attempt" : "deferred");
        if (m.Subject is not null) Line("subject", m.Subject);
        if (m.MessageId is not null) Line("message-id", m.MessageId);
        s.Append("recipients:\n");
        foreach (var r in m.Recipients)
        {
            s.Append("  ").Append(r.Status.PadRight(9)).Append(' ').Append(Recipient(r));
            if (r.ExpandedFrom is not null) s.Append("  from list ").Append(r.ExpandedFrom);
            s.Append('\n');
        }
        return s.ToString();

        void Line(string name, string value) => s.Append((name + ":").PadRight(14)).Append(value).Append('\n');
    }

    private static string Recipient(QueuedRecipient r) =>
        r.Address + "  [" + (r.Destination ?? "not yet planned") + "]" + (r.LastResult is null ? "" : "  (" + r.LastResult + ")");

    /// <summary>mailq prints the sender without angle brackets; the null sender stays visible as &lt;&gt;.</summary>
    private static string Sender(string sender) => sender is "<>" ? "<>" : sender.Trim('<', '>');

    /// <summary>As mailq: "Mon Jun  3 10:21:33", local time.</summary>
    private static string Arrival(DateTimeOffset at)
    {
        var t = at.ToLocalTime();
        return string.Create(CultureInfo.InvariantCulture, $"{t:ddd MMM} {t.Day,2} {t:HH:mm:ss}");
    }

    private static string Age(long seconds) =>
        seconds >= 86400 ? $"{seconds / 86400}d {seconds % 86400 / 3600}h" : seconds >= 3600 ? $"{seconds / 3600}h {seconds % 3600 / 60}m" : seconds >= 60 ? $"{seconds / 60}m" : $"{seconds}s";

    private static string Plural(int n, string noun) => string.Create(CultureInfo.InvariantCulture, $"{n} {noun}{(n == 1 ? "" : "s")}");
}
