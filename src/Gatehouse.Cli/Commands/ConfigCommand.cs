using System.CommandLine;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse config check FILE</c>: validates a configuration without starting anything.</summary>
internal static class ConfigCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "Configuration file to check." };
        var check = new Command("check", "Check a configuration file; errors are printed as FILE:LINE: key: what is wrong.") { file };
        check.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            var cfg = ConfigLoading.Load(path);
            if (cfg is null) return ExitCodes.Usage;
            foreach (var n in cfg.Notices) Console.WriteLine($"{path}: notice: {n}");
            Console.WriteLine($"{path}: OK ({cfg.Servers.Count} server(s): {string.Join(", ", cfg.Servers.Select(s => $"{s.Name} [{string.Join(", ", s.Listeners.Select(l => $"{l.Name} {l.Address}:{l.Port}"))}]"))}; accepted domains: {string.Join(", ", cfg.AcceptedDomains)}; {cfg.Directory.Count} recipient(s))");
            return ExitCodes.Ok;
        });
        return new Command("config", "Work with configuration files.") { check };
    }
}
