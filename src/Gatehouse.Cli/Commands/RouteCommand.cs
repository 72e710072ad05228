using System.CommandLine;
using System.Net;
using System.Text.Json;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse route ADDRESS</c>: runs the server's RCPT decision on one address and prints it with its trace.</summary>
internal static class RouteCommand
{
    /// <summary>The documentation address range (RFC 5737): "some client on the Internet", with no relay permission unless the configuration gives it one.</summary>
    private const string DefaultClient = "192.0.2.1";

    public static Command Create()
    {
        var address = new Argument<string>("ADDRESS") { Description = "Recipient as a client would give it in RCPT TO: user@domain, <path>, \"quoted\"@domain, or a one-off [TYPE:value]." };
        var config = new Option<string?>("--config") { Description = "Organization configuration file (default: the built-in configuration)." };
        var server = new Option<string?>("--server") { Description = "Decide as this server of the organization." };
        var from = new Option<string>("--from") { Description = $"Client IP address (default {DefaultClient}, an outside client).", DefaultValueFactory = _ => DefaultClient };
        var local = new Option<string?>("--local") { Description = "Local address the client connected to (default: the server's first listener)." };
        var auth = new Option<string?>("--auth") { Description = "The client authenticated as this user." };
        var sender = new Option<string?>("--sender") { Description = "MAIL FROM address (shown in the trace)." };
        var down = new Option<string[]>("--down") { Description = "Treat this server or connector as down (repeatable).", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the decision as JSON." };
        var cmd = new Command("route", "Show what the server does with one recipient: resolution, relay decision, route, and why. Exit 0 accepted, 3 refused.")
        {
            address, config, server, from, local, auth, sender, down, json,
        };
        cmd.SetAction(parse =>
        {
            var cfg = ConfigLoading.Load(parse.GetValue(config));
            if (cfg is null) return ExitCodes.Usage;
            var me = ConfigLoading.PickServer(cfg, parse.GetValue(server));
            if (me is null) return ExitCodes.Usage;
            if (!IPAddress.TryParse(parse.GetValue(from), out var remote))
            {
                Console.Error.WriteLine($"gatehouse: --from '{parse.GetValue(from)}' is not an IP address");
                return ExitCodes.Usage;
            }
            var localText = parse.GetValue(local);
            IPAddress localAddress;
            if (localText is null) localAddress = me.Listeners[0].Address;
            else if (!IPAddress.TryParse(localText, out localAddress!))
            {
                Console.Error.WriteLine($"gatehouse: --local '{localText}' is not an IP address");
                return ExitCodes.Usage;
            }
            var text = parse.GetValue(address)!;
            var notes = new List<string>();
            if (!TryRecipient(text, cfg, notes, out var mailbox, out var sourceRoute, out var error))
            {
                Console.Error.WriteLine($"gatehouse: {error}");
                return ExitCodes.Usage;
            }
            var table = RoutingTable.Build(cfg, me, RoutingHealth.Of(parse.GetValue(down) ?? [], parse.GetValue(down) ?? []));
            var client = table.Facts(remote, localAddress, parse.GetValue(auth));
            Mailbox? senderMailbox = null;
            if (parse.GetValue(sender) is { } senderText && senderText is not ("" or "<>"))
            {
                var spos = 0;
                var spath = senderText.StartsWith('<') ? senderText : "<" + senderText + ">";
                if (!SmtpPathParser.TryParseReversePath(spath, ref spos, utf8: true, out senderMailbox, out var serr))
                {
                    Console.Error.WriteLine($"gatehouse: --sender: {serr}");
                    return ExitCodes.Usage;
                }
            }
            var verdict = RecipientRouter.Route(table, mailbox, client, sourceRoute, explain: true, sender: senderMailbox);
            if (parse.GetValue(json)) PrintJson(verdict, me, client, text, parse.GetValue(sender), notes);
            else PrintText(verdict, me, client, parse.GetValue(sender), notes);
            return verdict.Accepted ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return cmd;
    }

    /// <summary>Reads the address the way RCPT TO would; a one-off is written as the IMCEA address it arrives as over SMTP.</summary>
    private static bool TryRecipient(string text, GatehouseConfig cfg, List<string> notes, out Mailbox mailbox, out string sourceRoute, out string error)
    {
        mailbox = null!;
        sourceRoute = "";
        text = text.Trim();
        if (text.StartsWith('[') && !text.StartsWith("[IPv6:", StringComparison.OrdinalIgnoreCase) && OneOffAddress.TryParse(text, out var oneOff, out _))
        {
            var domain = cfg.Domains.FirstOrDefault()?.Domain ?? "localhost";
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

    private static void PrintText(RecipientVerdict v, ServerConfig me, ClientFacts client, string? sender, List<string> notes)
    {
        Console.WriteLine($"route on server {me.Name} (site {me.Site}) for client {client.RemoteAddress} -> {client.LocalAddress}"
            + (client.AuthenticatedUser is null ? "" : $", authenticated as {client.AuthenticatedUser}") + (sender is null ? "" : $", sender <{sender}>"));
        foreach (var n in notes) Console.WriteLine("  " + n);
        foreach (var line in v.Trace) Console.WriteLine("  " + line);
        Console.WriteLine(v.Accepted ? "250 2.1.5 Recipient OK" : v.Refusal!.ToString());
    }

    private static void PrintJson(RecipientVerdict v, ServerConfig me, ClientFacts client, string address, string? sender, List<string> notes)
    {
        var doc = new Dictionary<string, object?>
        {
            ["address"] = address,
            ["server"] = me.Name,
            ["site"] = me.Site,
            ["client"] = client.RemoteAddress.ToString(),
            ["local"] = client.LocalAddress.ToString(),
            ["auth"] = client.AuthenticatedUser,
            ["sender"] = sender,
            ["accepted"] = v.Accepted,
            ["reply"] = v.Accepted ? "250 2.1.5 Recipient OK" : v.Refusal!.ToString(),
            ["destination"] = new Dictionary<string, object?>
            {
                ["kind"] = v.Destination.Kind.ToString(),
                ["address"] = v.Destination.Address?.ToString(),
                ["recipient"] = v.Destination.Recipient?.Alias,
                ["reason"] = v.Destination.Reason,
                ["chain"] = v.Destination.Chain.Select(s => new Dictionary<string, string> { ["rule"] = s.Rule, ["from"] = s.From, ["to"] = s.To, ["detail"] = s.Detail }).ToArray(),
            },
            ["relay"] = v.Relay is null ? null : new Dictionary<string, object> { ["allowed"] = v.Relay.Allowed, ["reason"] = v.Relay.Reason },
            ["route"] = new Dictionary<string, object?>
            {
                ["action"] = v.Route.Action.ToString(),
                ["connector"] = v.Route.Connector,
                ["next_hop"] = v.Route.NextHop,
                ["wire_address"] = v.Route.WireAddress?.ToString(),
                ["reverse_path"] = v.Route.ReversePath?.ToWire(),
            },
            ["notes"] = notes,
            ["trace"] = v.Trace,
        };
        // Relaxed escaping: addresses keep their + < > readable; the output goes to a terminal or a JSON parser, never into HTML.
        Console.WriteLine(JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
    }
}
