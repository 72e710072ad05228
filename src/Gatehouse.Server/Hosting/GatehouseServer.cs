using System.Net;
using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Core.Configuration;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Logging;
using Gatehouse.Server.Smtp;
using Gatehouse.Server.Tls;
using Gatehouse.Server.Tracking;
using Gatehouse.Spool;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Hosting;

/// <summary>The composition root: one running Gatehouse server (spool, SMTP listeners, admin endpoint).</summary>
/// <remarks>
/// Start-up order: open and recover the spool (refusing to start if another process holds it),
/// start the tracking writer (a tracking log that cannot be opened is logged, never fatal), load or
/// generate the TLS certificate, bind every listener (any bind failure stops start-up), then accept.
/// Shutdown: stop accepting, end idle sessions with 421, give sessions in a message the configured
/// grace, then cut the rest; stop the queue, then write the last tracking events; only then close
/// the spool.
/// </remarks>
public sealed class GatehouseServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _hardStop = new();
    private readonly List<SmtpListener> _listeners = [];
    private readonly ILogger _logger;
    private WebApplication? _admin;
    private SmtpServices? _services;
    private Delivery.QueueManager? _queue;
    private TrackingWriter? _tracking;
    private bool _stopped;
    private volatile bool _ready;

    private GatehouseServer(GatehouseConfig config, ServerConfig server, MessageSpool spool, ILoggerFactory loggers)
    {
        _startConfig = config;
        _startedSpoolSync = config.SpoolSync;
        _startedTracking = config.Tracking;
        ServerConfig = server;
        Spool = spool;
        Loggers = loggers;
        _logger = loggers.CreateLogger("Gatehouse");
    }

    // Until the services exist; after that the configuration in force is theirs, and the one the server started with
    // (a large directory weighs hundreds of MB) is not kept: only the settings a reload cannot change are.
    private GatehouseConfig? _startConfig;
    private readonly SpoolSync _startedSpoolSync;
    private readonly TrackingConfig _startedTracking;

    /// <summary>The configuration in force (the last one loaded).</summary>
    public GatehouseConfig CurrentConfig => _services?.Current.Config ?? _startConfig!;

    public ServerConfig ServerConfig { get; }

    public MessageSpool Spool { get; }

    public ILoggerFactory Loggers { get; }

    public ServerMetrics Metrics { get; } = new();

    /// <summary>Where this server's tracking events go: the <see cref="TrackingWriter"/>, or nowhere when <c>tracking.enabled</c> is false.</summary>
    public Core.Tracking.ITrackingSink Tracking => (Core.Tracking.ITrackingSink?)_tracking ?? Core.Tracking.NoTracking.Instance;

    /// <summary>The tracking writer and its counters (written, dropped, batches); null when tracking is off.</summary>
    public TrackingWriter? TrackingWriter => _tracking;

    /// <summary>This server's tracking log, for searches; null when tracking is off.</summary>
    public TrackingStore? TrackingStore => _tracking?.Store;

    /// <summary>The routing table in force: the current configuration with what delivery has found down (the admin API's /routes and /route).</summary>
    public Core.Routing.RoutingTable CurrentRouting => _services?.Current.Routing ?? throw new InvalidOperationException("the server is not started");

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
            if (config.Tracking.Enabled) host._tracking = new TrackingWriter(TrackingStore.InDataDirectory(server.DataDirectory), config.Tracking, loggers.CreateLogger("Gatehouse.Tracking"), time);
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
            var services = new SmtpServices(new ServerSnapshot(config, server, Core.Routing.RoutingHealth.AllUp), spool, cert, logger, host.Metrics, time ?? TimeProvider.System);
            host._services = services;
            host._startConfig = null;
            services.Tracking = host.Tracking;
            foreach (var l in server.Listeners)
            {
                var listener = new SmtpListener(l, services, host._stopping.Token, host._hardStop.Token);
                host._listeners.Add(listener);
                Log.Listening(logger, listener.LocalEndPoint, l.Name, l.Role.ToString());
            }
            services.LocalEndpoints = host._listeners.Select(l => l.Endpoint).ToArray();
            host._queue = new Delivery.QueueManager(services, CreateResolver(config.Delivery, services.Time));
            services.Queue = host._queue;
            host.Metrics.Observe(spool.Statistics, host._queue);
            if (server.Admin is { } admin)
            {
                host._admin = await AdminApi.StartAsync(host, admin, logger).ConfigureAwait(false);
                Log.AdminListening(logger, $"{admin.Address}:{admin.Port}");
            }
            host._queue?.Start();
            foreach (var l in host._listeners) l.Start();
            host._ready = true;
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True once the listeners accept and the queue runs; false again as soon as a stop begins (the admin API's /readyz).</summary>
    public bool IsReady => _ready;

    /// <summary>The queue scheduler.</summary>
    public Delivery.QueueManager Queue => _queue ?? throw new InvalidOperationException("the server is not started");

    private static Dns.IDnsResolver CreateResolver(DeliveryConfig delivery, TimeProvider time)
    {
        var stub = delivery.DnsServers.Count > 0
            ? new Dns.DnsStubResolver(delivery.DnsServers, null, time)
            : Dns.DnsStubResolver.FromResolvConf(Dns.ResolvConf.Load(), time);
        return new Dns.DnsCache(stub, null, time);
    }

    /// <summary>Reads the configuration file again and, if it is valid, makes it the snapshot of every new session.</summary>
    /// <remarks>
    /// A file with errors changes nothing: the running configuration stays and the errors are
    /// returned (and logged). Listeners, the data directory and TLS files are bound at start-up;
    /// changes to them are reported and take effect at the next restart.
    /// </remarks>
    public ReloadResult Reload()
    {
        var current = CurrentConfig;
        if (current.SourceFile is not { } file) return Fail("the server runs on the built-in default configuration; there is no file to reload");
        GatehouseConfig next;
        try
        {
            next = ConfigLoader.LoadFile(file);
        }
        catch (ConfigException e)
        {
            foreach (var err in e.Errors) Log.ReloadError(_logger, err.ToString());
            return Fail("configuration not reloaded; the running one stays:\n" + string.Join("\n", e.Errors));
        }
        var me = next.FindServer(ServerConfig.Name);
        if (me is null) return Fail($"configuration not reloaded: it has no server named {ServerConfig.Name}");
        var restart = new List<string>();
        if (!me.Listeners.Select(l => (l.Name, l.Address, l.Port, l.Role)).SequenceEqual(ServerConfig.Listeners.Select(l => (l.Name, l.Address, l.Port, l.Role)))) restart.Add("listeners");
        if (me.DataDirectory != ServerConfig.DataDirectory) restart.Add("data_directory");
        if (me.Tls != ServerConfig.Tls) restart.Add("tls");
        if (me.Admin != ServerConfig.Admin) restart.Add("admin");
        if (next.SpoolSync != _startedSpoolSync) restart.Add("spool.sync");
        if (next.Tracking != _startedTracking) restart.Add("tracking");
        _services!.Swap(new ServerSnapshot(next, me, _queue?.Health.ToRouting() ?? Core.Routing.RoutingHealth.AllUp));
        foreach (var n in next.Notices) Log.ConfigNotice(_logger, n);
        // Delivery switched on again, or routes changed: everything waiting is planned again under the new rules.
        _queue?.RetryDestination(null);
        var message = $"configuration reloaded from {file}" + (restart.Count == 0 ? "" : $"; changes to {string.Join(", ", restart)} take effect after a restart");
        Log.Reloaded(_logger, message);
        // The old configuration and the new one's parse tree are garbage once this returns (a large directory makes that
        // hundreds of MB): collect them then, off this call's stack, which still holds the old configuration.
        _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true), TaskScheduler.Default);
        return new ReloadResult(true, message);

        ReloadResult Fail(string why)
        {
            Log.ReloadFailed(_logger, why);
            return new ReloadResult(false, why);
        }
    }

    /// <summary>Graceful stop: see the remarks of the class.</summary>
    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _ready = false;
        var grace = CurrentConfig.Limits.ShutdownGrace;
        Log.Stopping(_logger, grace);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _hardStop.CancelAfter(grace);
        await Task.WhenAll(_listeners.Select(l => l.StopAsync())).ConfigureAwait(false);
        if (_queue is not null) await _queue.DisposeAsync().ConfigureAwait(false);
        // After the queue: its last deliveries record events too. The admin API is still up, so a search can see them.
        if (_tracking is not null) await _tracking.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null) await _admin.StopAsync().ConfigureAwait(false);
        Log.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        foreach (var l in _listeners) await l.DisposeAsync().ConfigureAwait(false);
        if (_admin is not null) await _admin.DisposeAsync().ConfigureAwait(false);
        Spool.Dispose();
        Metrics.Dispose();
        _stopping.Dispose();
        _hardStop.Dispose();
    }
}

/// <summary>The outcome of a configuration reload, with the words to show the administrator.</summary>
public sealed record ReloadResult(bool Ok, string Message);
