using Gatehouse.Core.Configuration;
using Gatehouse.Server.Configuration;

namespace Gatehouse.Cli.Commands;

/// <summary>Loads the configuration for a command and prints its errors the way every command does.</summary>
internal static class ConfigLoading
{
    /// <summary>Returns the configuration, or null after printing "FILE:LINE: key: what is wrong" lines.</summary>
    public static GatehouseConfig? Load(string? file)
    {
        try
        {
            return file is null ? ConfigLoader.Default(Environment.CurrentDirectory) : ConfigLoader.LoadFile(file);
        }
        catch (ConfigException e)
        {
            foreach (var err in e.Errors) Console.Error.WriteLine(err);
            return null;
        }
    }

    /// <summary>The server a command acts as: the named one, or the only one; null after printing why not.</summary>
    public static ServerConfig? PickServer(GatehouseConfig cfg, string? name)
    {
        var me = cfg.FindServer(name);
        if (me is null)
        {
            Console.Error.WriteLine(name is null
                ? $"gatehouse: the configuration lists {cfg.Servers.Count} servers; say which with --server ({string.Join(", ", cfg.Servers.Select(s => s.Name))})"
                : $"gatehouse: no server named '{name}' in the configuration ({string.Join(", ", cfg.Servers.Select(s => s.Name))})");
        }
        return me;
    }
}
