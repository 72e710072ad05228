using System.Globalization;
using System.Text;
using Gatehouse.Server.Tracking;

namespace Gatehouse.Cli.Commands;

/// <summary>The human form of a tracking search: per message a header line, then one line per event with the facts that matter for its type.</summary>
/// <remarks>Pure: the answer in, text out. Times are UTC, since the servers of one organization may sit in several time zones.</remarks>
internal static class TrackText
{
    public static string Timelines(TrackingSearchResult result)
    {
        var s = new StringBuilder();
        var serverWidth = result.Messages.SelectMany(m => m.Events).Select(e => e.Server.Length).DefaultIfEmpty(0).Max();
        foreach (var m in result.Messages)
        {
            s.Append(Header(m)).Append('\n');
            foreach (var e in m.Events)
            {
                s.Append(string.Create(CultureInfo.InvariantCulture, $"  {e.Time.ToUniversalTime():yyyy-MM-dd HH:mm:ss.fff}Z  {e.Server.PadRight(serverWidth)}  {e.Type,-12}  {Describe(e)}").TrimEnd()).Append('\n');
            }
            s.Append('\n');
        }
        if (result.Messages.Count == 0) s.Append("no messages found\n");
        else s.Append(result.Messages.Count == 1 ? "1 message" : $"{result.Messages.Count} messages").Append(CultureInfo.InvariantCulture, $" (servers searched: {string.Join(", ", result.Servers)})\n");
        foreach (var u in result.Unreachable) s.Append(CultureInfo.InvariantCulture, $"unreachable: {u.Server} ({u.Reason})\n");
        return s.ToString();
    }

    private static string Header(TrackedMessage m)
    {
        var id = m.MessageId is { } mid ? $"Message-ID <{mid}>" : $"no Message-ID, queue id {m.Events[0].QueueId ?? "(none)"} on {m.Events[0].Server}";
        return m.Sender is null ? id : $"{id}  from <{m.Sender}>";
    }

    /// <summary>The recipient and the facts that say what happened, by type; the rest is in <c>--json</c>.</summary>
    public static string Describe(TrackedEvent e)
    {
        var f = e.Facts;
        string? F(string name) => f.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        var who = e.Recipient is { Length: > 0 } r ? r + " " : "";
        return e.Type switch
        {
            "RECEIVE" => Join(
                F("client_ip") is { } ip ? $"from {ip}" + (F("helo") is { } helo ? $" (helo {helo})" : "") : null,
                F("listener") is { } l ? $"on {l}" : null,
                F("tls") is { } tls and not "no" ? $"tls {tls}" : null,
                F("auth") is { } auth and not "-" ? $"auth {auth}" : null,
                F("size") is { } size ? $"{size} bytes" : null,
                F("recipients") is { } rcpts ? $"to {rcpts}" : null),
            "RESOLVE" => $"{F("before") ?? e.Recipient} -> {F("after") ?? "?"}" + (F("rule") is { } rule ? $" ({rule})" : ""),
            "EXPAND" => $"{who}{F("members") ?? "?"} members",
            "ROUTE" => who + Join(
                F("address") is { } address && !string.Equals(address, "SMTP:" + e.Recipient, StringComparison.OrdinalIgnoreCase) ? $"as {address}" : null,
                F("connector") is { } c ? $"connector {c}" : null,
                F("cost") is { } cost ? $"cost {cost}" : null,
                F("next_hop") is { } hop ? $"next hop {hop}" : null,
                F("connector") is null && F("next_hop") is null && F("reply") is null ? F("action") : null,
                F("reply") is { } reply ? $"refused: {reply}" : null).Replace(", ", " ", StringComparison.Ordinal),
            "RELAY-DENIED" => $"{who}" + (F("address") is { } hidden && !string.Equals(hidden, "SMTP:" + e.Recipient, StringComparison.OrdinalIgnoreCase) ? $"(for {hidden}) " : "")
                + $"from {F("client_ip") ?? "?"}: {F("reason") ?? F("reply") ?? "relay denied"}",
            "VERIFY" => $"{who}from {F("client_ip") ?? "?"}: " + (F("outcome") == "refused" ? "refused by " : "could not ask ") + $"{F("host") ?? "?"}: {F("reply")}",
            "TRANSFER" => $"{who}" + (F("address") is { } sent ? $"as {sent} " : "") + $"to {F("host") ?? F("next_hop") ?? "?"}: {F("reply")}",
            "DELIVER" => $"{who}to {F("mailbox") ?? F("next_hop") ?? "mailbox"}: {F("reply")}",
            "DEFER" => $"{who}" + (F("next_hop") is { } h ? $"via {h}: " : "") + (F("reason") ?? F("reply") ?? "deferred") + (F("next_retry") is { } next ? NextTry(next, e.Time) : ""),
            "FAIL" => $"{who}{F("status") ?? "5.0.0"}: {F("reason") ?? F("reply")}",
            "DSN" => $"notice {F("dsn_queue_id") ?? "?"}" + (F("to") is { } to ? $" to <{TrackingQuery.StripBrackets(to)}>" : "") + (F("recipients") is { } rs ? $": {rs}" : ""),
            "ADMIN" => $"{F("action") ?? "?"} by {F("who") ?? "?"}",
            _ => who + string.Join(" ", f.Select(kv => $"{kv.Key}={kv.Value}")),
        };
    }

    // A hop marked down is routed around at once: "next try" at the same instant would read like a stuck retry.
    private static string NextTry(string iso, DateTimeOffset at) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) && t <= at.AddSeconds(1) ? "; routed again at once" : $"; next try {Time(iso)}";

    private static string Join(params string?[] parts) => string.Join(", ", parts.Where(p => p is not null));

    private static string Time(string iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? $"{t.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z" : iso;
}
