using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Dns;

/// <summary>The parts of resolv.conf(5) a stub resolver for mail needs: the name servers and the retry options.</summary>
/// <remarks>
/// Reads what glibc reads, the way glibc reads it: <c>nameserver</c> lines (IPv4, or IPv6 with an
/// optional <c>%scope</c>, interface name or number; port 53), at most three of them with the rest
/// ignored (MAXNS); <c>options timeout:N</c> (seconds, capped at 30) and <c>attempts:N</c> (capped at 5), where
/// 0 counts as 1;
/// lines starting with <c>#</c> or <c>;</c> are comments, and text after an address or option is
/// ignored. A line it cannot use is skipped, as glibc does, so a bad file still resolves. No name
/// server at all means 127.0.0.1, glibc's default. It does not read <c>search</c>, <c>domain</c>
/// or <c>ndots</c> (mail domains are always fully qualified), <c>rotate</c>, <c>edns0</c> or the
/// RES_OPTIONS environment variable.
/// </remarks>
public sealed record ResolvConf(IReadOnlyList<IPEndPoint> Servers, DnsResolverOptions Options)
{
    /// <summary>The default path on Linux.</summary>
    public const string DefaultPath = "/etc/resolv.conf";

    private const int MaxServers = 3;
    private const int MaxTimeoutSeconds = 30;
    private const int MaxAttempts = 5;

    /// <summary>Reads a resolv.conf file; a missing or unreadable file gives the defaults (127.0.0.1, 5 s, 2 attempts).</summary>
    public static ResolvConf Load(string path = DefaultPath)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = "";
        }
        return Parse(text);
    }

    /// <summary>Parses the text of a resolv.conf file; never fails (unusable lines are skipped).</summary>
    public static ResolvConf Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPEndPoint>();
        var options = new DnsResolverOptions();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith('#') || line.StartsWith(';')) continue;
            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) continue;
            switch (words[0])
            {
                case "nameserver" when words.Length >= 2:
                    if (servers.Count < MaxServers && TryParseServer(words[1], out var server)) servers.Add(server);
                    break;
                case "options":
                    foreach (var option in words.Skip(1))
                    {
                        if (option.StartsWith('#') || option.StartsWith(';')) break;
                        if (TryOption(option, "timeout:", MaxTimeoutSeconds, out var seconds)) options = options with { Timeout = TimeSpan.FromSeconds(seconds) };
                        else if (TryOption(option, "attempts:", MaxAttempts, out var attempts)) options = options with { Attempts = attempts };
                    }
                    break;
            }
        }
        if (servers.Count == 0) servers.Add(new IPEndPoint(IPAddress.Loopback, 53));
        return new ResolvConf(servers, options);
    }

    private static bool TryParseServer(string text, out IPEndPoint server)
    {
        server = null!;
        // IPAddress.TryParse takes "%eth0" or "%2" on IPv6 only, as glibc does; an unknown interface gives scope 0, also as glibc does.
        if (!IPAddress.TryParse(text, out var address)) return false;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        server = new IPEndPoint(address, 53);
        return true;
    }

    private static bool TryOption(string option, string prefix, int max, out int value)
    {
        value = 0;
        if (!option.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var digits = option.AsSpan(prefix.Length);
        if (digits.IsEmpty || digits.ContainsAnyExceptInRange('0', '9')) return false;
        // glibc caps a large value rather than refusing it, and a zero still makes one try of at least a second.
        value = int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? Math.Clamp(parsed, 1, max) : max;
        return true;
    }
}
