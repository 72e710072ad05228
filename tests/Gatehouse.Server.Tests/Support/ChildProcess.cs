using System.Diagnostics;
using System.Text;

namespace Gatehouse.Server.Tests.Support;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>Runs a real peer (swaks, python3, the gatehouse CLI) as a child process with a deadline, capturing its output.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string StandardOutput
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>Finds a program on PATH; fails the test with a clear message when it is missing.</summary>
    public static string Require(string program, string why)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin"))
        {
            var path = Path.Combine(dir, program);
            if (File.Exists(path)) return path;
        }
        Assert.Fail($"{program} is not installed; {why}. Install it (apt-get install {program}) or run ./test.sh, which installs it.");
        return program;
    }

    /// <param name="environment">Variables to set (a null value removes the variable) on top of this process's own.</param>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, string? standardInput = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        var p = new Process { StartInfo = info };
        var child = new ChildProcess(p);
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (child._stdout) child._stdout.Append(e.Data).Append('\n');
        };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (child._stderr) child._stderr.Append(e.Data).Append('\n');
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (standardInput is not null)
        {
            p.StandardInput.Write(standardInput);
            p.StandardInput.Close();
        }
        return child;
    }

    /// <summary>Runs a program to its end; kills it and fails the test when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, string? standardInput = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var child = Start(fileName, arguments, standardInput: standardInput, environment: environment);
        return await child.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
    }

    public async Task<ProcessResult> WaitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"{_process.StartInfo.FileName} did not finish within {timeout.TotalSeconds:0} s\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}");
        }
        // The asynchronous readers may still hold the last lines: this overload waits for them.
        await _process.WaitForExitAsync(CancellationToken.None);
        return new ProcessResult(_process.ExitCode, StandardOutput, StandardError);
    }

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a crash or power cut.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it exited on its own in the meantime
        }
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
