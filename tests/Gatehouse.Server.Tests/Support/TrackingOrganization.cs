using System.Net.Http.Headers;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests.Support;

/// <summary>An organization of three servers in one configuration file: gate1 and gate2 run in this process with admin endpoints (each its own token); gate3 has no admin section and is never started.</summary>
/// <remarks>
/// Tracking searches are the subject, so delivery is off and events are recorded straight into each
/// server's tracking sink: <see cref="Message"/> records one message's hops on both servers.
/// </remarks>
public sealed class TrackingOrganization : IAsyncDisposable
{
    public const string Sender = "alice@client.example";
    public const string Original = "user@ours.example";
    public const string Resolved = "someone@partner.example";

    private readonly TempDirectory _dir;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<string, GatehouseServer> _running = new(StringComparer.Ordinal);

    private TrackingOrganization(TempDirectory dir, ILoggerFactory loggers, string configFile)
    {
        _dir = dir;
        _loggers = loggers;
        ConfigFile = configFile;
    }

    public string ConfigFile { get; }

    public GatehouseServer this[string name] => _running[name];

    public static string Token(string server) => server + "-token-0123456789abcdef";

    public static async Task<TrackingOrganization> StartAsync(ITestOutputHelper output)
    {
        var dir = new TempDirectory();
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
        var yaml = "accepted_domains: [ours.example]\nservers:\n";
        foreach (var name in new[] { "gate1", "gate2", "gate3" })
        {
            var smtp = Loopback.FreeEndpoint();
            yaml += $"""
                  - name: {name}
                    hostname: {name}.ours.example
                    data_directory: '{dir.Combine(name)}'
                    listeners:
                      - {"{"}address: {smtp.Address}, port: {smtp.Port}{"}"}

                """;
            if (name == "gate3") continue;
            var admin = Loopback.FreeEndpoint();
            yaml += $"""
                    admin: {"{"}address: {admin.Address}, port: {admin.Port}, token: '{Token(name)}'{"}"}

                """;
        }
        yaml += "delivery:\n  enabled: false\nsmtp:\n  shutdown_grace: 1s\n";
        var file = dir.Combine("org.yaml");
        File.WriteAllText(file, yaml);
        var org = new TrackingOrganization(dir, loggers, file);
        try
        {
            var config = ConfigLoader.LoadFile(file);
            foreach (var name in new[] { "gate1", "gate2" }) org._running[name] = await GatehouseServer.StartAsync(config, config.FindServer(name)!, loggers);
            return org;
        }
        catch
        {
            await org.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client of one server's admin API; <paramref name="token"/> null: none at all.</summary>
    public HttpClient Admin(string server, string? token = "")
    {
        var admin = _running[server].ServerConfig.Admin!;
        var http = new HttpClient { BaseAddress = new Uri($"http://{admin.Address}:{admin.Port}/"), Timeout = TimeSpan.FromSeconds(30) };
        token = token == "" ? Token(server) : token;
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Records a message that gate1 received, resolved through a contact and passed to gate2, which sent it out; returns its Message-ID.</summary>
    /// <remarks>gate2 knows the recipient only in its resolved form, as it would after the rewrite on gate1.</remarks>
    public async Task<string> Message(DateTimeOffset at)
    {
        var id = Guid.NewGuid().ToString("N") + "@client.example";
        TrackingEvent E(int ms, string server, TrackingEventType type, string queue, string? recipient, params (string, string)[] facts) =>
            new(at.AddMilliseconds(ms), server, type, queue + id[..8].ToUpperInvariant(), id, Sender, recipient, facts.ToDictionary(f => f.Item1, f => f.Item2));
        var g1 = _running["gate1"].Tracking;
        var g2 = _running["gate2"].Tracking;
        // Recorded out of order and interleaved between the servers, as the logs would have them.
        g2.Record(E(40, "gate2", TrackingEventType.Receive, "G2", null, ("client_ip", "127.0.0.1"), ("helo", "gate1.ours.example"), ("size", "512")));
        g1.Record(E(0, "gate1", TrackingEventType.Receive, "G1", null, ("client_ip", "192.0.2.7"), ("helo", "client.example"), ("size", "480")));
        g1.Record(E(10, "gate1", TrackingEventType.Resolve, "G1", Original, ("before", Original), ("after", Resolved), ("rule", "contact target")));
        g1.Record(E(20, "gate1", TrackingEventType.Route, "G1", Original, ("connector", "gate2"), ("cost", "1"), ("next_hop", "server:gate2")));
        g2.Record(E(50, "gate2", TrackingEventType.Transfer, "G2", Resolved, ("host", "mx.partner.example"), ("reply", "250 2.0.0 ok")));
        g1.Record(E(30, "gate1", TrackingEventType.Transfer, "G1", Original, ("host", "gate2.ours.example"), ("reply", "250 2.0.0 queued as G2")));
        await _running["gate1"].TrackingWriter!.FlushAsync();
        await _running["gate2"].TrackingWriter!.FlushAsync();
        return id;
    }

    /// <summary>Stops one server, as a server that is down.</summary>
    public async Task StopAsync(string name)
    {
        await _running[name].DisposeAsync();
        _running.Remove(name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var s in _running.Values) await s.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _loggers.Dispose();
            _dir.Dispose();
        }
    }
}
