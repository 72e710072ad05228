using System.CommandLine;
using System.Text.Json;
using Gatehouse.Core.Routing;
using Gatehouse.Server.Routing;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse routes</c>: prints a server's routing table (Exchange's GWART) and its paths to the other sites.</summary>
/// <remarks>The table of a configuration file; a running server's (with what it found down) is the admin API's <c>GET /routes</c>, the same document as <c>--json</c>.</remarks>
internal static class RoutesCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Organization configuration file (default: the built-in configuration)." };
        var server = new Option<string?>("--server") { Description = "The server whose table to print." };
        var down = new Option<string[]>("--down") { Description = "Treat this server or connector as down (repeatable).", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the table as JSON (what the admin API's GET /routes answers)." };
        var cmd = new Command("routes", "Print the routing table of a server: address spaces, connectors, total costs, site paths.") { config, server, down, json };
        cmd.SetAction(parse =>
        {
            var cfg = ConfigLoading.Load(parse.GetValue(config));
            if (cfg is null) return ExitCodes.Usage;
            var me = ConfigLoading.PickServer(cfg, parse.GetValue(server));
            if (me is null) return ExitCodes.Usage;
            var table = RoutingTable.Build(cfg, me, RoutingHealth.Of(parse.GetValue(down) ?? [], parse.GetValue(down) ?? []), Gatehouse.Server.Hosting.HostAddresses.Current());
            var report = RoutingTableReport.Of(table);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report, RoutingJson.Indented.RoutingTableReport));
            else foreach (var line in report.ToLines()) Console.WriteLine(line);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
