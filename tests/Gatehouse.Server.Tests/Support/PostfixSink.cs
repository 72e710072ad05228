using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Server.Tests.Support;

/// <summary>One transaction Postfix's smtp-sink dumped: the envelope lines it adds and the message as received.</summary>
/// <param name="Content">The message after the dump's own headers, lines ending in LF (smtp-sink drops the CR), dot-stuffing undone.</param>
public sealed record PostfixSinkMessage(string? Helo, string MailArgs, IReadOnlyList<string> RcptArgs, string Content);

/// <summary>Runs Debian's /usr/sbin/smtp-sink (package postfix) on its own loopback address, each transaction dumped to a file.</summary>
/// <remarks>
/// smtp-sink is Postfix's test server: a peer written by someone else, with PIPELINING, DSN and
/// 8BITMIME on by default (options such as <c>-8</c>, <c>-p</c>, <c>-L</c> turn them off or LMTP on).
/// Run as root it must drop privileges (<c>-u nobody</c>), so its dump directory is made writable for
/// that user. A missing binary fails the test: CI installs postfix (test.sh), and a test that
/// silently skipped would prove nothing.
/// </remarks>
public sealed class PostfixSink : IDisposable
{
    public const string Binary = "/usr/sbin/smtp-sink";

    private readonly ChildProcess _process;
    private readonly TempDirectory _dir;

    private PostfixSink(ChildProcess process, TempDirectory dir, IPEndPoint endpoint)
    {
        _process = process;
        _dir = dir;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public string Log => $"--- smtp-sink stdout\n{_process.StandardOutput}--- smtp-sink stderr\n{_process.StandardError}";

    public static async Task<PostfixSink> StartAsync(params string[] options)
    {
        if (!File.Exists(Binary))
        {
            Assert.Fail($"{Binary} is not installed; the SMTP client is tested against Postfix's smtp-sink. Install it (apt-get install postfix) or run ./test.sh, which installs it.");
        }
        for (var attempt = 1; ; attempt++)
        {
            var dir = new TempDirectory();
            var dumps = dir.Combine("dumps");
            Directory.CreateDirectory(dumps);
            var endpoint = Loopback.FreeEndpoint();
            List<string> args = ["-h", "sink.test", "-d", Path.Combine(dumps, "%Y%m%d%H%M%S.")];
            if (Environment.IsPrivilegedProcess && !OperatingSystem.IsWindows())
            {
                args.AddRange(["-u", "nobody"]);
                // The dumps are written after the switch to nobody, who must also be able to pass through the
                // temporary directory above them (created 0700).
                File.SetUnixFileMode(dumps, (UnixFileMode)0b111_111_111);
                File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_001_001);
            }
            args.AddRange(options);
            args.AddRange([$"{endpoint.Address}:{endpoint.Port}", "16"]);
            var process = ChildProcess.Start(Binary, args);
            if (await WaitListeningAsync(process, endpoint)) return new PostfixSink(process, dir, endpoint);
            var log = $"--- stdout\n{process.StandardOutput}--- stderr\n{process.StandardError}";
            process.Dispose();
            dir.Dispose();
            // The port can be taken between the probe that found it and smtp-sink's bind.
            if (attempt == 5 || !log.Contains("in use", StringComparison.OrdinalIgnoreCase)) Assert.Fail($"smtp-sink did not start listening\n{log}");
        }
    }

    private static async Task<bool> WaitListeningAsync(ChildProcess process, IPEndPoint endpoint)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(endpoint);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        return false;
    }

    /// <summary>Waits until <paramref name="count"/> transactions are dumped and their files have stopped changing.</summary>
    public async Task<IReadOnlyList<PostfixSinkMessage>> WaitForMessagesAsync(int count)
    {
        IReadOnlyList<PostfixSinkMessage>? last = null;
        await Eventually.True(() =>
        {
            var now = Messages();
            var stable = last is not null && now.Count >= count && now.SequenceEqual(last, MessageComparer.Instance);
            last = now;
            return stable;
        }, $"{count} messages in the smtp-sink dumps\n{Log}");
        return last!;
    }

    /// <summary>The dumped transactions so far, oldest first.</summary>
    public IReadOnlyList<PostfixSinkMessage> Messages()
    {
        var files = new DirectoryInfo(_dir.Combine("dumps")).GetFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal);
        return [.. files.Select(f => Parse(File.ReadAllText(f.FullName)))];
    }

    private static PostfixSinkMessage Parse(string dump)
    {
        string? helo = null;
        var mail = "";
        var rcpts = new List<string>();
        var lines = dump.Split('\n');
        var i = 0;
        for (; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("X-Helo-Args: ", StringComparison.Ordinal)) helo = line["X-Helo-Args: ".Length..];
            else if (line.StartsWith("X-Mail-Args: ", StringComparison.Ordinal)) mail = line["X-Mail-Args: ".Length..];
            else if (line.StartsWith("X-Rcpt-Args: ", StringComparison.Ordinal)) rcpts.Add(line["X-Rcpt-Args: ".Length..]);
            else if (line.StartsWith("Received: ", StringComparison.Ordinal))
            {
                // Its two continuation lines end smtp-sink's part of the dump.
                i += 3;
                break;
            }
        }
        var content = string.Join('\n', lines[Math.Min(i, lines.Length)..]);
        // smtp-sink ends each dump with an empty line of its own.
        if (content.EndsWith("\n\n", StringComparison.Ordinal)) content = content[..^1];
        return new PostfixSinkMessage(helo, mail, rcpts, content);
    }

    private sealed class MessageComparer : IEqualityComparer<PostfixSinkMessage>
    {
        public static readonly MessageComparer Instance = new();

        public bool Equals(PostfixSinkMessage? x, PostfixSinkMessage? y) =>
            x is not null && y is not null && x.Helo == y.Helo && x.MailArgs == y.MailArgs && x.RcptArgs.SequenceEqual(y.RcptArgs) && x.Content == y.Content;

        public int GetHashCode(PostfixSinkMessage obj) => obj.Content.GetHashCode(StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _process.Dispose();
        _dir.Dispose();
    }
}
