using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Core.Configuration;
using Gatehouse.Server.Logging;
using Gatehouse.Server.Smtp;
using Gatehouse.Server.Tls;
using Gatehouse.Spool;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Hosting;

/// <summary>The composition root: one running Gatehouse server (spool, SMTP listeners, admin endpoint).</summary>
/// <remarks>
/// Start-up order: open and recover the spool (refusing to start if another process holds it),
/// load or generate the TLS certificate, bind every listener (any bind failure stops start-up),
/// then accept. Shutdown: stop accepting, end idle sessions with 421, give sessions in a message
/// the configured grace, then cut the rest; only then close the spool.
/// </remarks>
public sealed class GatehouseServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _hardStop = new();
    private readonly List<SmtpListener> _listeners = [];
    private readonly ILogger _logger;
    private WebApplication? _admin;
    private bool _stopped;

    private GatehouseServer(GatehouseConfig config, ServerConfig server, MessageSpool spool, ILoggerFactory loggers)
    {
        Config = config;
        ServerConfig = server;
        Spool = spool;
        Loggers = loggers;
        _logger = loggers.CreateLogger("Gatehouse");
    }

    public GatehouseConfig Config { get; }

    public ServerConfig ServerConfig { get; }

    public MessageSpool Spool { get; }

    public ILoggerFactory Loggers { get; }

    public ServerMetrics Metrics { get; } = new();

    /// <summary>The bound SMTP endpoints, by listener name (ports are real even when 0 was configured).</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Endpoints => _listeners.ToDictionary(l => l.Name, l => l.Endpoint);

    public static string Version => typeof(GatehouseServer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static async Task<GatehouseServer> StartAsync(GatehouseConfig config, ServerConfig server, ILoggerFactory loggers, TimeProvider? time = null)
    {
        var logger = loggers.CreateLogger("Gatehouse");
        Log.Starting(logger, Version, server.Name, config.SourceFile ?? "(built-in default)");
        var spool = MessageSpool.Open(Path.Combine(server.DataDirectory, "spool"), config.SpoolSync == SpoolSync.Fsync ? SyncMethod.Fsync : SyncMethod.Syncfs);
        var r = spool.Recovery;
        Log.SpoolRecovered(logger, spool.Root, r.Queued, r.DroppedIncoming, r.Corrupt, spool.Method.ToString().ToLowerInvariant());
        foreach (var n in config.Notices) Log.ConfigNotice(logger, n);
        var host = new GatehouseServer(config, server, spool, loggers);
        try
        {
            X509Certificate2? cert = null;
            try
            {
                cert = CertificateProvider.Load(server);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                Log.NoCertificate(logger, e.Message);
                if (server.Listeners.Any(l => l.Role == ListenerRole.ImplicitTls)) throw;
            }
            var services = new SmtpServices(config, server, spool, cert, logger, host.Metrics, time ?? TimeProvider.System);
            foreach (var l in server.Listeners)
            {
                var listener = new SmtpListener(l, services, host._stopping.Token, host._hardStop.Token);
                host._listeners.Add(listener);
                Log.Listening(logger, listener.LocalEndPoint, l.Name, l.Role.ToString());
            }
            if (server.Admin is { } admin) await host.StartAdminAsync(admin).ConfigureAwait(false);
            foreach (var l in host._listeners) l.Start();
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartAdminAsync(AdminConfig admin)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(admin.Address, admin.Port));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/metrics", () => Results.Text(Metrics.Render(Spool.Statistics), "text/plain; version=0.0.4"));
        await app.StartAsync().ConfigureAwait(false);
        _admin = app;
        Log.AdminListening(_logger, $"{admin.Address}:{admin.Port}");
    }

    /// <summary>Graceful stop: see the remarks of the class.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        Log.Stopping(_logger, Config.Limits.ShutdownGrace);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _hardStop.CancelAfter(Config.Limits.ShutdownGrace);
        await Task.WhenAll(_listeners.Select(l => l.StopAsync())).ConfigureAwait(false);
        if (_admin is not null) await _admin.StopAsync().ConfigureAwait(false);
        Log.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (var l in _listeners) await l.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        Spool.Dispose();
        _stopping.Dispose();
        _hardStop.Dispose();
    }
}
