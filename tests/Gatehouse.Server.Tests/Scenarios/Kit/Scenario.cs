using System.Net;
using Gatehouse.Server.Tests.Cli;
using Gatehouse.Server.Tests.Support;
using Gatehouse.Testing;

namespace Gatehouse.Server.Tests.Scenarios.Kit;

/// <summary>One seed's story played by real processes on loopback: its example's servers (each a <c>gatehouse serve</c>), dnsmasq with its DNS records, and the outside hosts (recording sinks).</summary>
/// <remarks>
/// It starts from a copy of <c>examples/NAME/</c> (see <see cref="ExampleCopy"/>), so the files
/// the READMEs walk through are the files under test. Servers are started and stopped by the test,
/// mid-scenario if the story needs it. Disposing stops every process it started and writes their
/// output to the test's log.
/// </remarks>
public sealed class Scenario : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly ITestOutputHelper _output;
    private readonly IReadOnlyDictionary<int, int> _ports;
    private readonly Dictionary<string, ScenarioServer> _servers = new(StringComparer.Ordinal);
    private readonly List<(string Name, PythonSink Sink)> _hosts = [];

    private Scenario(string example, TempDirectory dir, ITestOutputHelper output, IReadOnlyDictionary<int, int> ports, Dnsmasq? dns)
    {
        Example = example;
        _dir = dir;
        _output = output;
        _ports = ports;
        Dns = dns;
    }

    public string Example { get; }

    /// <summary>The scenario's DNS server, when the example has a dnsmasq.conf.</summary>
    public Dnsmasq? Dns { get; }

    /// <summary>Copies the example, moves its ports and starts dnsmasq with its records; starts no server yet.</summary>
    /// <param name="dnsRecords">dnsmasq lines to serve instead of the example's dnsmasq.conf (e.g. <c>address=/#/127.0.0.10</c>: every name is that host).</param>
    public static async Task<Scenario> StartAsync(string example, ITestOutputHelper output, IReadOnlyList<string>? dnsRecords = null)
    {
        var source = Path.Combine(Repository.Root, "examples", example);
        Assert.True(Directory.Exists(source), $"{source} is missing");
        var dir = new TempDirectory();
        Dnsmasq? dns = null;
        try
        {
            var files = Directory.GetFiles(source, "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText, StringComparer.Ordinal);
            var dnsConf = Path.Combine(source, "dnsmasq.conf");
            if (dnsRecords is not null || File.Exists(dnsConf))
            {
                try
                {
                    var records = dnsRecords ?? ExampleCopy.DnsRecords(File.ReadAllLines(dnsConf));
                    // A catch-all address alone leaves MX and AAAA questions to upstream servers, and there are none:
                    // dnsmasq would answer REFUSED. Answered locally, they are "no such record", as on a real Internet.
                    if (records.Any(r => r.StartsWith("address=/#/", StringComparison.Ordinal)) && !records.Contains("local=/#/")) records = [.. records, "local=/#/"];
                    dns = await Dnsmasq.StartAsync(records);
                }
                catch (InvalidOperationException e)
                {
                    Assert.Fail(e.Message);
                }
            }
            var ports = ExampleCopy.PortsIn(files.Values).ToDictionary(p => p, _ => ExampleCopy.FreePort());
            var dnsServer = dns is null ? ExampleCopy.ExampleDnsServer : $"{dns.Endpoint.Address}:{dns.Endpoint.Port}";
            foreach (var (name, text) in files) await File.WriteAllTextAsync(dir.Combine(name), ExampleCopy.Rewrite(text, ports, dnsServer));
            output.WriteLine($"scenario {example} in {dir.Path}; ports {string.Join(", ", ports.Select(p => $"{p.Key}->{p.Value}"))}; dns {dnsServer}");
            return new Scenario(example, dir, output, ports, dns);
        }
        catch
        {
            if (dns is not null) await dns.DisposeAsync();
            dir.Dispose();
            throw;
        }
    }

    /// <summary>The copy of one of the example's organization files.</summary>
    public string ConfigFile(string name) => _dir.Combine(name);

    /// <summary>The port this run uses where the example says <paramref name="examplePort"/>.</summary>
    public int Port(int examplePort) =>
        _ports.TryGetValue(examplePort, out var p) ? p : throw new ArgumentException($"the example {Example} does not use port {examplePort}", nameof(examplePort));

    public IPEndPoint At(string address, int examplePort) => new(IPAddress.Parse(address), Port(examplePort));

    /// <summary>Starts a recording SMTP host (tests/support/peers/smtp_sink.py) where the example expects one: an MX of the Internet, a forwarding target, an internal mail system.</summary>
    public async Task<PythonSink> StartHostAsync(string name, string address, int examplePort, params string[] options)
    {
        var sink = await PythonSink.StartAsync(new TempDirectory(), At(address, examplePort), ["--hostname", name, .. options]);
        _hosts.Add((name, sink));
        return sink;
    }

    /// <summary>Starts <c>gatehouse serve --config FILE --server NAME</c> and waits for its greeting.</summary>
    public async Task<ScenarioServer> StartServerAsync(string file, string server)
    {
        if (!_servers.TryGetValue(server, out var s))
        {
            s = ScenarioServer.Describe(ConfigFile(file), server);
            _servers[server] = s;
        }
        await s.StartAsync();
        return s;
    }

    public ScenarioServer this[string server] => _servers[server];

    /// <summary>A host started with <see cref="StartHostAsync"/>, by its name.</summary>
    public PythonSink Host(string name) => _hosts.Single(h => h.Name == name).Sink;

    /// <summary>Sends one message with Python's smtplib to a server of the scenario.</summary>
    public Task<MailResult> SendAsync(string server, MailRequest request) => MailClient.SendAsync(_servers[server].Endpoint, request, _dir);

    /// <summary>Runs swaks against a server of the scenario.</summary>
    public Task<ProcessResult> SwaksAsync(string server, params string[] arguments) => MailClient.SwaksAsync(_servers[server].Endpoint, arguments);

    /// <summary>Runs <c>gatehouse ARGS</c> (route, track, queue ...) with <c>--config</c> the copy of <paramref name="file"/>.</summary>
    public Task<ProcessResult> GatehouseAsync(string file, params string[] arguments) => GatehouseCli.RunAsync([.. arguments, "--config", ConfigFile(file)]);

    /// <summary>Everything the processes said so far, for assertion messages.</summary>
    public string Log =>
        string.Concat(_servers.Values.Select(s => s.Output + "\n"))
        + string.Concat(_hosts.Select(h => $"--- host {h.Name}\n{h.Sink.Log}\n"))
        + (Dns is null ? "" : "--- dnsmasq\n" + Dns.Log);

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var s in _servers.Values)
            {
                try
                {
                    await s.StopAsync();
                }
                finally
                {
                    s.Dispose();
                }
            }
            WriteLog();
        }
        finally
        {
            foreach (var (_, sink) in _hosts) sink.Dispose();
            if (Dns is not null) await Dns.DisposeAsync();
            _dir.Dispose();
        }
    }

    private void WriteLog()
    {
        try
        {
            var log = Log;
            // The test log is for diagnosing failures; the end of a long run says most.
            _output.WriteLine(log.Length > 200_000 ? "...\n" + log[^200_000..] : log);
        }
        catch (InvalidOperationException)
        {
            // no test is running any more to take the output
        }
    }
}
