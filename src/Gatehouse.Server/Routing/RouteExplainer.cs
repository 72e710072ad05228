using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Routing;

namespace Gatehouse.Server.Routing;

/// <summary>What to explain: a recipient as a client would give it in RCPT TO, and the facts of that client; unset fields take the defaults of <c>gatehouse route</c>.</summary>
/// <param name="Address">user@domain, &lt;path&gt;, "quoted"@domain, or a one-off [TYPE:value].</param>
/// <param name="From">The client's IP address; null: <see cref="RouteExplainer.DefaultClient"/>.</param>
/// <param name="Local">The address the client connected to; null: the server's first listener.</param>
/// <param name="Auth">The user the client authenticated as, or null.</param>
/// <param name="Sender">The MAIL FROM address, or null.</param>
public sealed record RouteQuestion(string Address, string? From = null, string? Local = null, string? Auth = null, string? Sender = null);

/// <summary>A <see cref="RouteQuestion"/> field that cannot be read.</summary>
/// <param name="Field">The field (<c>from</c>, <c>local</c>, <c>sender</c>), or null for the address itself; the CLI names it <c>--from</c>, the admin API <c>from</c>.</param>
/// <param name="Message">What is wrong, to follow the field's name.</param>
public sealed record RouteQuestionError(string? Field, string Message)
{
    /// <summary>The message with the field named as the caller names it (<c>--</c> for the CLI, nothing for the query string).</summary>
    public string Describe(string fieldPrefix) => Field is null ? Message : $"{fieldPrefix}{Field} {Message}";
}

/// <summary>The RCPT decision on one recipient with its trace: the JSON of <c>gatehouse route --json</c> and of the admin API's <c>GET /route</c>.</summary>
/// <param name="Address">The address as asked.</param>
/// <param name="Reply">The RCPT reply the server gives.</param>
/// <param name="Relay">Null when the destination stays in the organization (no relay permission needed).</param>
/// <param name="Notes">What the explainer did to the input (a one-off written as the IMCEA address it arrives as).</param>
public sealed record RouteExplanation(
    string Address,
    string Server,
    string Site,
    string Client,
    string Local,
    string? Auth,
    string? Sender,
    bool Accepted,
    string Reply,
    RouteExplanationDestination Destination,
    RouteExplanationRelay? Relay,
    RouteExplanationRoute Route,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Trace);

/// <summary>Where the address resolved, and by which steps.</summary>
/// <param name="Recipient">The directory object's alias, or null.</param>
public sealed record RouteExplanationDestination(string Kind, string? Address, string? Recipient, string Reason, IReadOnlyList<RouteExplanationStep> Chain);

/// <summary>One resolution step: the rule, the address before and after, and why.</summary>
public sealed record RouteExplanationStep(string Rule, string From, string To, string Detail);

/// <summary>The relay decision: allowed or not, and by which setting.</summary>
public sealed record RouteExplanationRelay(bool Allowed, string Reason);

/// <summary>The route: the action, the connector and next hop, and the addresses as they will be sent.</summary>
/// <remarks>The snake_case names are those <c>gatehouse route --json</c> has always printed.</remarks>
public sealed record RouteExplanationRoute(
    string Action,
    string? Connector,
    [property: System.Text.Json.Serialization.JsonPropertyName("next_hop")] string? NextHop,
    [property: System.Text.Json.Serialization.JsonPropertyName("wire_address")] string? WireAddress,
    [property: System.Text.Json.Serialization.JsonPropertyName("reverse_path")] string? ReversePath);

/// <summary>Runs the server's RCPT decision on one address with the trace on (the same <see cref="RecipientRouter.Route"/> the SMTP path calls) and describes it.</summary>
/// <remarks>
/// Pure: the routing table is the input, so <c>gatehouse route</c> passes the table of a
/// configuration file and the admin API the table the running server routes by. Reads the address
/// the way RCPT TO would; a one-off <c>[TYPE:value]</c> is first written as the IMCEA address it
/// arrives as over SMTP. Fails only on input it cannot read, with a <see cref="RouteQuestionError"/>.
/// </remarks>
public static class RouteExplainer
{
    /// <summary>The documentation address range (RFC 5737): "some client on the Internet", with no relay permission unless the configuration gives it one.</summary>
    public const string DefaultClient = "192.0.2.1";

    /// <summary>The RCPT reply for an accepted recipient.</summary>
    public const string AcceptedReply = "250 2.1.5 Recipient OK";

    public static RouteExplanation? Explain(RoutingTable table, RouteQuestion question, out RouteQuestionError? error)
    {
        var me = table.Server;
        if (!IPAddress.TryParse(question.From ?? DefaultClient, out var remote))
        {
            error = new RouteQuestionError("from", $"'{question.From}' is not an IP address");
            return null;
        }
        IPAddress localAddress;
        if (question.Local is null) localAddress = me.Listeners[0].Address;
        else if (!IPAddress.TryParse(question.Local, out localAddress!))
        {
            error = new RouteQuestionError("local", $"'{question.Local}' is not an IP address");
            return null;
        }
        var notes = new List<string>();
        if (!TryRecipient(question.Address, table, notes, out var mailbox, out var sourceRoute, out var why))
        {
            error = new RouteQuestionError(null, why);
            return null;
        }
        Mailbox? sender = null;
        if (question.Sender is { } senderText && senderText is not ("" or "<>"))
        {
            var pos = 0;
            var path = senderText.StartsWith('<') ? senderText : "<" + senderText + ">";
            if (!SmtpPathParser.TryParseReversePath(path, ref pos, utf8: true, out sender, out var senderError))
            {
                error = new RouteQuestionError("sender", $"'{senderText}' is not an address: {senderError}");
                return null;
            }
        }
        var client = table.Facts(remote, localAddress, question.Auth);
        var v = RecipientRouter.Route(table, mailbox, client, sourceRoute, explain: true, sender: sender);
        error = null;
        var d = v.Destination;
        return new RouteExplanation(
            question.Address,
            me.Name,
            me.Site,
            client.RemoteAddress.ToString(),
            client.LocalAddress.ToString(),
            client.AuthenticatedUser,
            question.Sender,
            v.Accepted,
            v.Accepted ? AcceptedReply : v.Refusal!.ToString(),
            new RouteExplanationDestination(d.Kind.ToString(), d.Address?.ToString(), d.Recipient?.Alias, d.Reason,
                d.Chain.Select(s => new RouteExplanationStep(s.Rule, s.From, s.To, s.Detail)).ToArray()),
            v.Relay is null ? null : new RouteExplanationRelay(v.Relay.Allowed, v.Relay.Reason),
            new RouteExplanationRoute(v.Route.Action.ToString(), v.Route.Connector, v.Route.NextHop, v.Route.WireAddress?.ToString(), v.Route.ReversePath?.ToWire()),
            notes,
            v.Trace);
    }

    /// <summary>Reads the address the way RCPT TO would; a one-off is written as the IMCEA address it arrives as over SMTP.</summary>
    private static bool TryRecipient(string text, RoutingTable table, List<string> notes, out Mailbox mailbox, out string sourceRoute, out string error)
    {
        mailbox = null!;
        sourceRoute = "";
        text = text.Trim();
        if (text.StartsWith('[') && !text.StartsWith("[IPv6:", StringComparison.OrdinalIgnoreCase) && OneOffAddress.TryParse(text, out var oneOff, out _))
        {
            var domain = table.Config.Domains.FirstOrDefault()?.Domain ?? "localhost";
            if (!Imcea.TryEncapsulate(oneOff, domain, out var encapsulated, out error)) return false;
            notes.Add($"one-off {text} arrives over SMTP encapsulated as <{encapsulated.ToWire()}>");
            text = "<" + encapsulated.ToWire() + ">";
        }
        if (!text.StartsWith('<')) text = "<" + text + ">";
        var pos = 0;
        if (!SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: true, out mailbox, out sourceRoute, out error)) return false;
        if (pos != text.Length)
        {
            error = "unexpected text after the address";
            return false;
        }
        return true;
    }
}
