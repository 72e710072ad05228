using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Server.Tests.Support;

/// <summary>What a test wants from its private Postfix.</summary>
public sealed record PostfixOptions
{
    /// <summary>The one domain Postfix delivers itself, into Maildirs (a virtual mailbox domain).</summary>
    public string Domain { get; init; } = "postfix.test";

    /// <summary>Local parts at <see cref="Domain"/> that have a Maildir; any other gets 550 5.1.1 at RCPT.</summary>
    public IReadOnlyList<string> Mailboxes { get; init; } = ["user"];

    /// <summary>Where mail for every other domain goes (Postfix's <c>relayhost</c>); null: nowhere, it stays queued.</summary>
    public IPEndPoint? RelayHost { get; init; }

    /// <summary>Postfix's <c>smtputf8_enable</c>: off, its smtpd does not announce SMTPUTF8.</summary>
    public bool SmtpUtf8 { get; init; } = true;

    /// <summary>Log every SMTP command and reply of smtpd and smtp (<c>debug_peer_list</c>), to check MAIL parameters in <see cref="PostfixInstance.Log"/>.</summary>
    public bool LogSmtpSessions { get; init; }
}

/// <summary>One message Postfix's virtual agent wrote into a Maildir.</summary>
/// <param name="Raw">The file's octets: Postfix stores lines ending in LF, with Return-Path, X-Original-To and Delivered-To prepended.</param>
public sealed record PostfixMaildirMessage(string FileName, byte[] Raw)
{
    public string Text => Encoding.UTF8.GetString(Raw);
}

/// <summary>A real Postfix (Debian's package) of the test's own: its configuration, queue and Maildirs in a temporary directory, its smtpd on a loopback address.</summary>
/// <remarks>
/// <para>Postfix runs as a second instance beside whatever the machine has (there is no main.cf under
/// /etc/postfix after a "No configuration" install): <c>postfix -c DIR start</c> with a
/// <c>config_directory</c> of its own, so nothing outside the temporary directory is read or
/// written. Starting Postfix needs root, as in CI; the daemons drop to <c>mail_owner</c>
/// (postfix) and the virtual agent to nobody, so the temporary directory is made traversable.</para>
/// <para>Postfix insists that <c>inet_interfaces</c> names an address of a network interface, and only
/// 127.0.0.1 is one (the rest of 127/8 is routed to lo, not assigned), so <c>inet_interfaces</c> is
/// <c>loopback-only</c> and smtpd's master.cf entry names its own random 127.x.y.z address and port.</para>
/// <para>The queue directory is left for <c>postfix start</c> to create: it makes the subdirectories
/// with the owners and modes its checks want. Logs go to a file (postlogd, <c>maillog_file</c>)
/// because the machine may have no syslog; <see cref="Log"/> puts them into assertion messages.</para>
/// </remarks>
public sealed class PostfixInstance : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/postfix";

    private readonly TempDirectory _dir;
    private readonly IReadOnlyDictionary<string, string> _maildirs;

    private PostfixInstance(TempDirectory dir, IPEndPoint endpoint, string domain, IReadOnlyDictionary<string, string> maildirs)
    {
        _dir = dir;
        Endpoint = endpoint;
        Domain = domain;
        _maildirs = maildirs;
    }

    /// <summary>Where Postfix's smtpd listens.</summary>
    public IPEndPoint Endpoint { get; }

    public string Domain { get; }

    private string ConfigDirectory => _dir.Combine("conf");

    private string QueueDirectory => _dir.Combine("queue");

    /// <summary>Postfix's own log so far (every daemon, one line per event), for assertion messages.</summary>
    public string Log
    {
        get
        {
            var path = _dir.Combine("maillog");
            if (!File.Exists(path)) return "--- postfix maillog: none yet\n";
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(s, Encoding.UTF8);
            return "--- postfix maillog\n" + r.ReadToEnd();
        }
    }

    public static async Task<PostfixInstance> StartAsync(PostfixOptions? options = null)
    {
        options ??= new PostfixOptions();
        if (!File.Exists(Binary))
        {
            Assert.Fail($"{Binary} is not installed; the interop tests run a real Postfix. Install it (apt-get install postfix, \"No configuration\") or run ./test.sh, which installs it.");
        }
        Assert.True(Environment.IsPrivilegedProcess, "a private Postfix instance can only be started by root (postfix start); run the tests as root, as CI does");
        for (var attempt = 1; ; attempt++)
        {
            var dir = new TempDirectory();
            var endpoint = Loopback.FreeEndpoint();
            PostfixInstance instance;
            try
            {
                instance = new PostfixInstance(dir, endpoint, options.Domain, await ConfigureAsync(dir, endpoint, options));
            }
            catch
            {
                dir.Dispose();
                throw;
            }
            ProcessResult start;
            string log;
            try
            {
                start = await instance.PostfixAsync("start");
                if (start.ExitCode == 0 && await instance.WaitGreetingAsync()) return instance;
                log = instance.Log;
            }
            catch
            {
                // A failed assertion while waiting must not leave a Postfix running.
                await instance.DisposeAsync();
                throw;
            }
            await instance.DisposeAsync();
            // The port can be taken between the probe that found it and master's bind.
            if (attempt == 3 || !log.Contains("in use", StringComparison.OrdinalIgnoreCase)) Assert.Fail($"Postfix did not start answering on {endpoint}\n{start}\n{log}");
        }
    }

    /// <summary>Writes main.cf, master.cf and the mailbox table; returns each mailbox's Maildir, by address.</summary>
    private static async Task<Dictionary<string, string>> ConfigureAsync(TempDirectory dir, IPEndPoint endpoint, PostfixOptions options)
    {
        // Daemons running as postfix and nobody must reach the queue, the log and the Maildirs below the 0700 temporary directory.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        var conf = Directory.CreateDirectory(dir.Combine("conf")).FullName;
        // The queue directory itself must exist and belong to root; postfix start creates what is inside it.
        Directory.CreateDirectory(dir.Combine("queue"));
        var data = Directory.CreateDirectory(dir.Combine("data")).FullName;
        var mail = Directory.CreateDirectory(dir.Combine("mail")).FullName;
        var nobody = UnixIds.Of("nobody");
        await UnixIds.ChownAsync(data, UnixIds.Of("postfix"));
        await UnixIds.ChownAsync(mail, nobody);

        var maildirs = new Dictionary<string, string>(StringComparer.Ordinal);
        var table = new StringBuilder();
        for (var i = 0; i < options.Mailboxes.Count; i++)
        {
            var address = options.Mailboxes[i] + "@" + options.Domain;
            // Directory names stay ASCII whatever the local part; the trailing slash makes it a Maildir.
            var folder = $"box{i}";
            maildirs[address] = Path.Combine(mail, folder);
            table.Append(address).Append(' ').Append(folder).Append("/\n");
        }
        File.WriteAllText(Path.Combine(conf, "vmailbox"), table.ToString());

        var main = new StringBuilder($"""
            compatibility_level = 3.6
            queue_directory = {dir.Combine("queue")}
            data_directory = {data}
            mail_owner = postfix
            setgid_group = postdrop
            inet_interfaces = loopback-only
            inet_protocols = ipv4
            myhostname = mx.{options.Domain}
            mydomain = {options.Domain}
            myorigin = $myhostname
            mydestination =
            mynetworks = 127.0.0.0/8
            maillog_file = {dir.Combine("maillog")}
            maillog_file_prefixes = {dir.Path}
            smtputf8_enable = {(options.SmtpUtf8 ? "yes" : "no")}
            message_size_limit = 104857600
            mailbox_size_limit = 0
            virtual_mailbox_limit = 0
            virtual_mailbox_domains = {options.Domain}
            virtual_mailbox_base = {mail}
            virtual_mailbox_maps = texthash:{Path.Combine(conf, "vmailbox")}
            virtual_uid_maps = static:{nobody.Uid}
            virtual_gid_maps = static:{nobody.Gid}
            alias_maps =
            alias_database =
            biff = no
            smtpd_peername_lookup = no
            smtp_dns_support_level = disabled
            smtpd_tls_security_level = none
            smtp_tls_security_level = none
            local_header_rewrite_clients =
            queue_run_delay = 1s
            minimal_backoff_time = 1s
            maximal_backoff_time = 2s

            """);
        // The defaults (NIS, /etc/aliases, DNS, header rewriting for local clients, five-minute retries) reach outside
        // the temporary directory or change what tests compare; the lines above turn them off.
        if (options.RelayHost is { } relay) main.Append(CultureInfo.InvariantCulture, $"relayhost = [{relay.Address}]:{relay.Port}\n");
        if (options.LogSmtpSessions) main.Append("debug_peer_list = 127.0.0.0/8\n");
        File.WriteAllText(Path.Combine(conf, "main.cf"), main.ToString());

        // No chroot (the last-but-three column "n"): a chroot would need copies of /etc files inside the queue directory.
        File.WriteAllText(Path.Combine(conf, "master.cf"), $"""
            {endpoint.Address}:{endpoint.Port} inet n - n - - smtpd
            pickup    unix  n - n 60 1 pickup
            cleanup   unix  n - n - 0 cleanup
            qmgr      unix  n - n 300 1 qmgr
            rewrite   unix  - - n - - trivial-rewrite
            bounce    unix  - - n - 0 bounce
            defer     unix  - - n - 0 bounce
            trace     unix  - - n - 0 bounce
            verify    unix  - - n - 1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n - - proxymap
            smtp      unix  - - n - - smtp
            relay     unix  - - n - - smtp
            showq     unix  n - n - - showq
            error     unix  - - n - - error
            retry     unix  - - n - - error
            discard   unix  - - n - - discard
            virtual   unix  - n n - - virtual
            anvil     unix  - - n - 1 anvil
            scache    unix  - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd

            """);
        return maildirs;
    }

    private async Task<bool> WaitGreetingAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var c = await SmtpTestClient.ConnectAsync(Endpoint);
                var greeting = await c.ReadReply();
                if (greeting?.Code == 220)
                {
                    await c.Send("QUIT");
                    return true;
                }
            }
            catch (SocketException)
            {
                // master has not bound the port yet
            }
            // master logs a fatal error (a port taken, a bad setting) and exits: no need to wait for the deadline.
            if (Log.Contains("fatal:", StringComparison.Ordinal)) return false;
            await Task.Delay(100);
        }
        return false;
    }

    /// <summary>Runs <c>postfix -c DIR COMMAND</c>. Postfix writes its complaints to syslog unless stderr is a terminal, so they are in <see cref="Log"/>.</summary>
    private Task<ProcessResult> PostfixAsync(string command) =>
        ChildProcess.RunAsync(Binary, ["-c", ConfigDirectory, command], TimeSpan.FromSeconds(60));

    /// <summary>Submits a message with Postfix's <c>sendmail -C DIR</c> (local submission through pickup, as a program on the host would).</summary>
    public async Task SendmailAsync(string from, IReadOnlyList<string> to, byte[] content)
    {
        var info = new ProcessStartInfo("/usr/sbin/sendmail") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-C", ConfigDirectory, "-f", from, "-i", "--", .. to]) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardInput.BaseStream.WriteAsync(content);
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"sendmail failed: exit code {p.ExitCode}\n{await stdout}{await stderr}\n{Log}");
    }

    /// <summary><c>postqueue -f</c>: attempt every deferred message now.</summary>
    public async Task FlushAsync()
    {
        var r = await ChildProcess.RunAsync("/usr/sbin/postqueue", ["-c", ConfigDirectory, "-f"], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, $"postqueue -f failed\n{r}\n{Log}");
    }

    /// <summary><c>postqueue -p</c>: Postfix's mailq, for assertion messages.</summary>
    public async Task<string> QueueAsync() =>
        (await ChildProcess.RunAsync("/usr/sbin/postqueue", ["-c", ConfigDirectory, "-p"], TimeSpan.FromSeconds(60))).StandardOutput;

    /// <summary>The messages delivered to a mailbox (one of <see cref="PostfixOptions.Mailboxes"/>, as local part or address), oldest first.</summary>
    public IReadOnlyList<PostfixMaildirMessage> Messages(string mailbox)
    {
        var address = mailbox.Contains('@', StringComparison.Ordinal) ? mailbox : mailbox + "@" + Domain;
        Assert.True(_maildirs.TryGetValue(address, out var maildir), $"{address} is not a mailbox of this Postfix");
        var dir = new DirectoryInfo(Path.Combine(maildir, "new"));
        if (!dir.Exists) return [];
        // virtual writes in tmp/ and renames into new/, so a file in new/ is complete.
        return [.. dir.GetFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).Select(f => new PostfixMaildirMessage(f.Name, File.ReadAllBytes(f.FullName)))];
    }

    /// <summary>Waits until a mailbox holds <paramref name="count"/> messages.</summary>
    public async Task<IReadOnlyList<PostfixMaildirMessage>> WaitForMessagesAsync(string mailbox, int count, TimeSpan? deadline = null)
    {
        await Eventually.True(() => Task.FromResult(Messages(mailbox).Count >= count), $"{count} messages in Postfix's Maildir of {mailbox}\n{Log}", deadline ?? TimeSpan.FromSeconds(60));
        return Messages(mailbox);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _dir.Dispose();
        }
    }

    /// <summary>Stops Postfix and makes sure none of its processes outlive the test, even when stop fails.</summary>
    private async Task StopAsync()
    {
        var master = MasterPid();
        if (master is null && Daemons().Count == 0) return;
        await PostfixAsync("stop");
        // "postfix stop" only signals master; it and its children go away shortly after.
        if (!await GoneAsync(TimeSpan.FromSeconds(20)))
        {
            await PostfixAsync("abort");
            if (master is { } pid) KillPid(pid);
            foreach (var daemon in Daemons()) KillPid(daemon);
            await GoneAsync(TimeSpan.FromSeconds(10));
        }
    }

    private async Task<bool> GoneAsync(TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            if (Daemons().Count == 0) return true;
            await Task.Delay(50);
        }
        return false;
    }

    private int? MasterPid()
    {
        try
        {
            return int.Parse(File.ReadAllText(Path.Combine(QueueDirectory, "pid", "master.pid")).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>This instance's processes: every Postfix daemon, master included, works in its queue directory.</summary>
    /// <remarks>Found by working directory rather than by name, so another Postfix on the machine (another test's, or the system's) is never touched.</remarks>
    private List<int> Daemons()
    {
        var queue = QueueDirectory;
        var found = new List<int>();
        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(proc), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                var cwd = new FileInfo(Path.Combine(proc, "cwd")).LinkTarget;
                if (cwd is not null && (cwd == queue || cwd.StartsWith(queue + "/", StringComparison.Ordinal))) found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended while we looked
            }
        }
        return found;
    }

    private static void KillPid(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            p.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }
}

/// <summary>User and group ids of system accounts, read from /etc/passwd, and chown for the directories Postfix's daemons write.</summary>
internal static class UnixIds
{
    public readonly record struct Account(int Uid, int Gid);

    public static Account Of(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var f = line.Split(':');
            if (f.Length > 3 && f[0] == user) return new Account(int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture));
        }
        Assert.Fail($"no user {user} in /etc/passwd: the postfix package creates postfix, and nobody is standard");
        return default;
    }

    public static async Task ChownAsync(string path, Account owner)
    {
        var r = await ChildProcess.RunAsync("/bin/chown", [$"{owner.Uid}:{owner.Gid}", path]);
        Assert.True(r.ExitCode == 0, $"chown {path} failed\n{r}");
    }
}
