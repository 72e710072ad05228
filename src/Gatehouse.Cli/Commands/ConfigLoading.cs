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
}
