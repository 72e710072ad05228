using System.Net;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Tests.Cli;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios.Kit;

/// <summary>One <c>gatehouse serve --config FILE --server NAME</c> process of a scenario.</summary>
public sealed class ScenarioServer : IDisposable
{
    private ChildProcess? _process;
    private string _earlierOutput = "";

    private ScenarioServer(string name, string configFile, IPEndPoint endpoint, string dataDirectory)
    {
        Name = name;
        ConfigFile = configFile;
        Endpoint = endpoint;
        DataDirectory = dataDirectory;
    }

    public string Name { get; }

    public string ConfigFile { get; }

    /// <summary>Where it accepts mail from the Internet (its inbound listener).</summary>
    public IPEndPoint Endpoint { get; }

    public string DataDirectory { get; }

    public bool Running => _process is { HasExited: false };

    /// <summary>Everything the process (and its earlier runs) wrote, for assertion messages.</summary>
    public string Output => $"--- {Name}\n{_earlierOutput}{(_process is null ? "" : $"{_process.StandardOutput}{_process.StandardError}")}";

    /// <summary>The server as its configuration file describes it; not started.</summary>
    public static ScenarioServer Describe(string configFile, string name)
    {
        var config = ConfigLoader.LoadFile(configFile);
        var me = config.FindServer(name) ?? throw new ArgumentException($"{configFile} has no server '{name}'", nameof(name));
        var listener = me.InboundListener ?? throw new ArgumentException($"server '{name}' of {configFile} has no inbound listener", nameof(name));
        return new ScenarioServer(name, configFile, new IPEndPoint(listener.Address, listener.Port), me.DataDirectory);
    }

    /// <summary>Starts the process and waits until it greets on its inbound listener.</summary>
    public async Task StartAsync()
    {
        if (Running) throw new InvalidOperationException($"server {Name} is already running");
        _process = ChildProcess.Start(GatehouseCli.Dotnet, [GatehouseCli.Dll, "serve", "--config", ConfigFile, "--server", Name]);
        await GatehouseCli.WaitUntilServing(_process, Endpoint);
    }

    /// <summary>SIGTERM, as an administrator stops a server: it finishes what it was doing and keeps its queue.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            var kill = await ChildProcess.RunAsync("/bin/kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.True(kill.ExitCode == 0 || _process.HasExited, kill.ToString());
            await _process.WaitAsync(TimeSpan.FromSeconds(60));
        }
        _earlierOutput += _process.StandardOutput + _process.StandardError;
        _process.Dispose();
        _process = null;
    }

    /// <summary>Messages delivered into one of its mailboxes (a maildir folder under data/mailboxes), oldest first.</summary>
    public IReadOnlyList<string> Mailbox(string folder)
    {
        var dir = Path.Combine(DataDirectory, "mailboxes", folder, "new");
        if (!Directory.Exists(dir)) return [];
        return [.. Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(File.ReadAllText)];
    }

    /// <summary>The maildir folders it has delivered into.</summary>
    public IReadOnlyList<string> MailboxFolders()
    {
        var dir = Path.Combine(DataDirectory, "mailboxes");
        return Directory.Exists(dir) ? [.. Directory.GetDirectories(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];
    }

    /// <summary>Files waiting in its queue.</summary>
    public int Queued => Directory.Exists(Path.Combine(DataDirectory, "spool", "queue")) ? Directory.GetFiles(Path.Combine(DataDirectory, "spool", "queue")).Length : 0;

    public void Dispose()
    {
        _process?.Dispose();
        _process = null;
    }
}
