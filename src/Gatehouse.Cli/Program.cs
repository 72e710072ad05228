using System.CommandLine;
using Gatehouse.Cli;
using Gatehouse.Cli.Commands;

var root = new RootCommand("Gatehouse: an organization's Internet mail gateway.")
{
    ServeCommand.Create(),
    ConfigCommand.Create(),
    RouteCommand.Create(),
    RoutesCommand.Create(),
    QueueCommand.Create(),
    TrackCommand.Create(),
    HashPasswordCommand.Create(),
};
// No response files: an address such as @relay:user@example.com is an argument, not "read arguments from a file".
var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
if (parse.Errors.Count > 0)
{
    foreach (var e in parse.Errors) Console.Error.WriteLine($"gatehouse: {e.Message}");
    Console.Error.WriteLine("Try 'gatehouse --help'.");
    return ExitCodes.Usage;
}
return await parse.InvokeAsync();
