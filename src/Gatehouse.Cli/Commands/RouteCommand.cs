using System.CommandLine;
using System.Text.Json;
using Gatehouse.Core.Routing;
using Gatehouse.Server.Routing;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse route ADDRESS</c>: runs the server's RCPT decision on one address and prints it with its trace.</summary>
/// <remarks>The decision under a configuration file; <see cref="RouteExplainer"/> does the work, and the admin API's <c>GET /route</c> answers the same JSON for the running server.</remarks>
internal static class RouteCommand
{
    public static Command Create()
    {
        var address = new Argument<string>("ADDRESS") { Description = "Recipient as a client would give it in RCPT TO: user@domain, <path>, \"quoted\"@domain, or a one-off [TYPE:value]." };
        var config = new Option<string?>("--config") { Description = "Organization configuration file (default: the built-in configuration)." };
        var server = new Option<string?>("--server") { Description = "Decide as this server of the organization." };
        var from = new Option<string>("--from") { Description = $"Client IP address (default {RouteExplainer.DefaultClient}, an outside client).", DefaultValueFactory = _ => RouteExplainer.DefaultClient };
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
            var table = RoutingTable.Build(cfg, me, RoutingHealth.Of(parse.GetValue(down) ?? [], parse.GetValue(down) ?? []), Gatehouse.Server.Hosting.HostAddresses.Current());
            var question = new RouteQuestion(parse.GetValue(address)!, parse.GetValue(from), parse.GetValue(local), parse.GetValue(auth), parse.GetValue(sender));
            if (RouteExplainer.Explain(table, question, out var error) is not { } e)
            {
                Console.Error.WriteLine($"gatehouse: {error!.Describe("--")}");
                return ExitCodes.Usage;
            }
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(e, RoutingJson.Indented.RouteExplanation));
            else PrintText(e);
            return e.Accepted ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return cmd;
    }

    private static void PrintText(RouteExplanation e)
    {
        Console.WriteLine($"route on server {e.Server} (site {e.Site}) for client {e.Client} -> {e.Local}"
            + (e.Auth is null ? "" : $", authenticated as {e.Auth}") + (e.Sender is null ? "" : $", sender <{e.Sender}>"));
        foreach (var n in e.Notes) Console.WriteLine("  " + n);
        foreach (var line in e.Trace) Console.WriteLine("  " + line);
        Console.WriteLine(e.Reply);
    }
}
