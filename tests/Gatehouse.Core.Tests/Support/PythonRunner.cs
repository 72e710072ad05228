using System.Diagnostics;

namespace Gatehouse.Core.Tests.Support;

/// <summary>The outcome of a finished python3 run.</summary>
internal sealed record PythonResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>Runs a python3 script with bytes on its standard input and a deadline: an independent reader for what Gatehouse writes.</summary>
/// <remarks>The core tests keep their own small runner so that they need nothing from the server tests.</remarks>
internal static class PythonRunner
{
    public static string Python()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var path = Path.Combine(dir, "python3");
            if (File.Exists(path)) return path;
        }
        Assert.Fail("python3 is not installed; the DSN tests parse with Python's email package. Install it (apt-get install python3) or run ./test.sh, which installs it.");
        return "python3";
    }

    public static async Task<PythonResult> RunAsync(string script, byte[] input, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Python())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(input, cts.Token);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // python3 stopped reading (it failed early); its exit code and stderr tell why.
            }
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"python3 did not finish within the deadline\n--- stderr\n{await stderr}");
        }
        return new PythonResult(process.ExitCode, await stdout, await stderr);
    }
}
