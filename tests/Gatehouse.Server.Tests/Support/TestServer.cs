using System.Net;
using System.Net.Sockets;
using System.Text;
using Gatehouse.Core.Security;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Hosting;
using Gatehouse.Spool;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Tests.Support;

/// <summary>What a test wants from its server; everything else is the default configuration.</summary>
public sealed record TestServerOptions
{
    /// <summary>Listener roles, one listener each, named after the role.</summary>
    public IReadOnlyList<string> Roles { get; init; } = ["inbound"];

    /// <summary>Lines of the <c>smtp:</c> section, e.g. "command_timeout: 1s".</summary>
    public IReadOnlyList<string> Smtp { get; init; } = [];

    public bool WithUsers { get; init; } = true;

    /// <summary>Further top-level YAML (a directory, sender_routing), appended as is.</summary>
    public string ExtraYaml { get; init; } = "";

    /// <summary>Deliver what is queued. Off by default: most tests look at the spool, which delivery would empty under them.</summary>
    public bool Deliver { get; init; }

    /// <summary>The value of <c>accepted_domains</c>, in YAML flow style (a mapping item for the relay kinds).</summary>
    public string AcceptedDomains { get; init; } = "[localhost, gatehouse.test]";

    /// <summary>Give the server an admin endpoint (on its own free loopback port unless <see cref="AdminAddress"/> says where).</summary>
    public bool WithAdmin { get; init; }

    /// <summary>The admin endpoint's <c>token</c>; null: none.</summary>
    public string? AdminToken { get; init; }

    /// <summary>The admin endpoint's <c>allow_remote</c>.</summary>
    public bool AdminAllowRemote { get; init; }

    /// <summary>Bind the admin endpoint to this address (a free port is chosen); null: a random loopback address.</summary>
    public IPAddress? AdminAddress { get; init; }
}

/// <summary>The configuration files the tests use, as YAML text.</summary>
public static class TestConfig
{
    public const string User = "alice";
    public const string Password = "correct horse battery staple";
    public const string Hostname = "mx.gatehouse.test";

    // One hash for the whole run: making it is deliberately slow.
    private static readonly Lazy<string> Hash = new(() => PasswordHash.Create(Password, iterations: 10_000));

    public static string PasswordHashOfUser => Hash.Value;

    public static string Yaml(string dataDirectory, IReadOnlyList<(string Role, IPEndPoint Endpoint)> listeners, TestServerOptions options, IPEndPoint? admin = null)
    {
        var y = new StringBuilder();
        y.Append($"accepted_domains: {options.AcceptedDomains}\n");
        y.Append("servers:\n");
        y.Append("  - name: test\n");
        y.Append($"    hostname: {Hostname}\n");
        y.Append($"    data_directory: '{dataDirectory}'\n");
        y.Append("    listeners:\n");
        foreach (var (role, ep) in listeners)
        {
            y.Append($"      - name: {role}\n");
            y.Append($"        address: {ep.Address}\n");
            y.Append($"        port: {ep.Port}\n");
            y.Append($"        role: {role}\n");
        }
        if (admin is not null)
        {
            y.Append("    admin:\n");
            y.Append($"      address: {admin.Address}\n");
            y.Append($"      port: {admin.Port}\n");
            if (options.AdminToken is not null) y.Append($"      token: '{options.AdminToken}'\n");
            if (options.AdminAllowRemote) y.Append("      allow_remote: true\n");
        }
        if (options.WithUsers)
        {
            y.Append("users:\n");
            y.Append($"  - name: {User}\n");
            y.Append($"    password_hash: '{PasswordHashOfUser}'\n");
        }
        y.Append("smtp:\n");
        // Stopping the server at the end of a test should not wait on a client that is gone.
        if (!options.Smtp.Any(l => l.StartsWith("shutdown_grace:", StringComparison.Ordinal))) y.Append("  shutdown_grace: 1s\n");
        foreach (var line in options.Smtp) y.Append("  ").Append(line).Append('\n');
        y.Append(options.ExtraYaml);
        var hasDelivery = options.ExtraYaml.StartsWith("delivery:", StringComparison.Ordinal) || options.ExtraYaml.Contains("\ndelivery:", StringComparison.Ordinal);
        if (!options.Deliver && !hasDelivery) y.Append(options.ExtraYaml.Length == 0 || options.ExtraYaml.EndsWith('\n') ? "" : "\n").Append("delivery:\n  enabled: false\n");
        return y.ToString();
    }
}

/// <summary>A Gatehouse server running in the test process on its own loopback endpoints and its own temporary data directory.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly ILoggerFactory _loggers;

    private TestServer(TempDirectory dir, ILoggerFactory loggers, GatehouseServer server, string configYaml)
    {
        _dir = dir;
        _loggers = loggers;
        Server = server;
        ConfigYaml = configYaml;
    }

    /// <summary>The configuration the server runs, as YAML: for comparing with what <c>gatehouse route</c> says of the same file.</summary>
    public string ConfigYaml { get; }

    /// <summary>Writes <see cref="ConfigYaml"/> into the server's temporary directory and returns the file's path.</summary>
    public string WriteConfigFile()
    {
        var path = _dir.Combine("gatehouse.yaml");
        File.WriteAllText(path, ConfigYaml);
        return path;
    }

    public GatehouseServer Server { get; }

    public MessageSpool Spool => Server.Spool;

    public string DataDirectory => Server.ServerConfig.DataDirectory;

    /// <summary>The endpoint of the first listener.</summary>
    public IPEndPoint Endpoint => Server.Endpoints[Server.ServerConfig.Listeners[0].Name];

    public IPEndPoint EndpointOf(string listener) => Server.Endpoints[listener];

    /// <summary>The admin API's base URL (with a trailing slash); the server must have been started <see cref="TestServerOptions.WithAdmin"/>.</summary>
    public Uri AdminUrl
    {
        get
        {
            var admin = Server.ServerConfig.Admin ?? throw new InvalidOperationException("the test server has no admin endpoint: start it WithAdmin");
            return new Uri($"http://{admin.Address}:{admin.Port}/");
        }
    }

    public static async Task<TestServer> StartAsync(ITestOutputHelper output, TestServerOptions? options = null)
    {
        options ??= new TestServerOptions();
        var dir = new TempDirectory();
        var loggers = LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(output)));
        for (var attempt = 1; ; attempt++)
        {
            var listeners = options.Roles.Select(r => (r, Loopback.FreeEndpoint())).ToArray();
            var admin = !options.WithAdmin ? null : options.AdminAddress is { } a ? FreePort(a) : Loopback.FreeEndpoint();
            var yaml = TestConfig.Yaml(dir.Combine("data"), listeners, options, admin);
            var config = ConfigLoader.Parse(yaml, "test.yaml", dir.Path);
            try
            {
                var server = await GatehouseServer.StartAsync(config, config.Servers[0], loggers);
                return new TestServer(dir, loggers, server, yaml);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < 5)
            {
                // Someone took the port between our probe and the bind: try another one.
            }
            catch (IOException e) when (e.InnerException?.GetType().Name == "AddressInUseException" && attempt < 5)
            {
                // The same race on the admin endpoint, as Kestrel reports it.
            }
            catch
            {
                loggers.Dispose();
                dir.Dispose();
                throw;
            }
        }
    }

    private static IPEndPoint FreePort(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(address, 0));
        return (IPEndPoint)probe.LocalEndPoint!;
    }

    /// <summary>The content (Received header first) of a queued message, which must exist.</summary>
    public byte[] Content(string queueId)
    {
        var message = Spool.Find(queueId);
        Assert.True(message is not null, $"queue id {queueId} is not in the spool");
        using var s = message.OpenContent();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    public string ContentText(string queueId) => Encoding.UTF8.GetString(Content(queueId));

    public string[] IncomingFiles() => Directory.GetFiles(Spool.IncomingDirectory);

    public string[] QueueFiles() => Directory.GetFiles(Spool.QueueDirectory);

    /// <param name="localAddress">Bind the client to this loopback address first, to play a client at that address (any 127.0.0.0/8 address works on Linux).</param>
    public async Task<SmtpTestClient> ConnectAsync(string? listener = null, bool implicitTls = false, IPAddress? localAddress = null) =>
        await SmtpTestClient.ConnectAsync(listener is null ? Endpoint : EndpointOf(listener), implicitTls, localAddress);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _loggers.Dispose();
            _dir.Dispose();
        }
    }
}
