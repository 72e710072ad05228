using System.CommandLine;
using Gatehouse.Cli;
using Gatehouse.Cli.Commands;

var root = new RootCommand("Gatehouse: an organization's Internet mail gateway.")
{
    ServeCommand.Create(),
    ConfigCommand.Create(),
    RouteCommand.Create(),
    RoutesCommand.Create(),
    HashPasswordCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var e in parse.Errors) Console.Error.WriteLine($"gatehouse: {e.Message}");
    Console.Error.WriteLine("Try 'gatehouse --help'.");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
