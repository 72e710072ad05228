using System.CommandLine;
using System.Runtime.InteropServices;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Logging;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse serve [--config FILE] [--server NAME]</c>: runs one server until SIGINT or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Organization configuration file (YAML). Without it, the built-in default: 127.0.0.1:2525, domain localhost, spool in ./data." };
        var server = new Option<string?>("--server") { Description = "Which server of the configuration this process is (needed when it lists several)." };
        var cmd = new Command("serve", "Run the SMTP server.") { config, server };
        cmd.SetAction(async (parse, ct) =>
        {
            var cfg = ConfigLoading.Load(parse.GetValue(config));
            if (cfg is null) return ExitCodes.Usage;
            var name = parse.GetValue(server);
            var me = ConfigLoading.PickServer(cfg, name);
            if (me is null) return ExitCodes.Usage;
            using var loggers = LoggingSetup.Create(cfg.Logging);
            var logger = loggers.CreateLogger("Gatehouse");
            // The handlers come first: a signal's default action during start-up (once the listeners are up, an
            // administrator or a script may well send one) would end the process without a word.
            var stop = new TaskCompletionSource();
            GatehouseServer? host = null;
            var reloadWanted = 0;
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
            using var reg = ct.Register(() => stop.TrySetResult());
            // SIGHUP reloads the configuration, as with every Unix daemon; a bad file keeps the running one.
            // One that arrives while the server is starting is carried out as soon as it has started.
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c =>
            {
                c.Cancel = true;
                Volatile.Write(ref reloadWanted, 1);
                if (Volatile.Read(ref host) is { } h && Interlocked.Exchange(ref reloadWanted, 0) == 1) _ = Task.Run(h.Reload);
            });
            GatehouseServer started;
            try
            {
                started = await GatehouseServer.StartAsync(cfg, me, loggers);
                Volatile.Write(ref host, started);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                logger.LogCritical("cannot start: {Reason}", e.Message);
                return ExitCodes.Failure;
            }
            // Reading the configuration left its parse tree behind (for a directory of a million recipients, more
            // memory than the directory itself): give it back to the system rather than keep the peak for the process's life.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            if (Interlocked.Exchange(ref reloadWanted, 0) == 1) _ = Task.Run(started.Reload);
            await stop.Task;
            await started.DisposeAsync();
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
