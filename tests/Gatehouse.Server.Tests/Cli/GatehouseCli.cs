using System.Net;
using System.Net.Sockets;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Cli;

/// <summary>Runs the real <c>gatehouse</c> command, which the build copies next to the test assembly.</summary>
public static class GatehouseCli
{
    public static string Dll
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "gatehouse.dll");
            Assert.True(File.Exists(path), $"{path} is missing: the test project must reference Gatehouse.Cli");
            return path;
        }
    }

    public static string Dotnet
    {
        get
        {
            // The muxer that runs this test host runs the CLI too, so both use the same runtime.
            var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
            if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
            var self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
            return "dotnet";
        }
    }

    public static Task<ProcessResult> RunAsync(params string[] args) => ChildProcess.RunAsync(Dotnet, [Dll, .. args], TimeSpan.FromSeconds(60));

    /// <summary>Runs the command with these environment variables set (a null value removes one).</summary>
    public static Task<ProcessResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        ChildProcess.RunAsync(Dotnet, [Dll, .. args], TimeSpan.FromSeconds(60), environment: environment);

    public static ChildProcess StartServe(string configFile) => ChildProcess.Start(Dotnet, [Dll, "serve", "--config", configFile]);

    /// <summary>Waits until a started <c>serve</c> answers with its greeting; fails with its output when it exits or never does.</summary>
    public static async Task WaitUntilServing(ChildProcess process, IPEndPoint endpoint)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited) Assert.Fail($"gatehouse serve exited early\n--- stdout\n{process.StandardOutput}\n--- stderr\n{process.StandardError}");
            try
            {
                await using var c = await SmtpTestClient.ConnectAsync(endpoint);
                if ((await c.ReadReply())?.Code == 220) return;
            }
            catch (SocketException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > until) Assert.Fail($"gatehouse serve did not answer on {endpoint} within 60 s\n--- stdout\n{process.StandardOutput}\n--- stderr\n{process.StandardError}");
            await Task.Delay(200);
        }
    }
}
