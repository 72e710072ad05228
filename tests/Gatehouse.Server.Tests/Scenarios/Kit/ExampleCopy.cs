using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Gatehouse.Server.Tests.Scenarios.Kit;

/// <summary>An example folder copied for one test run, with its fixed ports moved to free ones and its DNS server replaced.</summary>
/// <remarks>
/// The examples use fixed loopback ports from 2600 to 2699 so that their READMEs can be followed by
/// hand. Several scenarios run at once and other test runs may share the machine, so a copy gets a
/// fresh port for each of them, the same one wherever the number appears in any of its files (a
/// forwarding host names another server's port). The loopback addresses stay: they are the roles
/// of the story (which client is trusted, which host is the Internet).
/// </remarks>
public static partial class ExampleCopy
{
    /// <summary>Where every example's organization files expect their DNS server; the copy points at the scenario's dnsmasq instead.</summary>
    public const string ExampleDnsServer = "127.0.0.53:2653";

    // Ports handed out in this test process, so two scenarios never get the same one.
    private static readonly HashSet<int> Taken = [];

    [GeneratedRegex(@"(?<![\d.])26\d\d(?!\d)")]
    private static partial Regex ScenarioPort();

    /// <summary>Every scenario port in these texts, once.</summary>
    public static IReadOnlyList<int> PortsIn(IEnumerable<string> texts) =>
        [.. texts.SelectMany(t => ScenarioPort().Matches(t).Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture))).Distinct().Order()];

    /// <summary>The text with the DNS server and every scenario port replaced.</summary>
    public static string Rewrite(string text, IReadOnlyDictionary<int, int> ports, string dnsServer) =>
        ScenarioPort().Replace(text.Replace(ExampleDnsServer, dnsServer, StringComparison.Ordinal), m => ports[int.Parse(m.Value, CultureInfo.InvariantCulture)].ToString(CultureInfo.InvariantCulture));

    /// <summary>A port free on loopback that this process has not handed out before.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            lock (Taken)
            {
                if (Taken.Add(port)) return port;
            }
        }
    }

    /// <summary>The lines of an example's dnsmasq.conf that describe records, without those that say where and how dnsmasq runs (the scenario decides that).</summary>
    public static IReadOnlyList<string> DnsRecords(IEnumerable<string> lines)
    {
        string[] placement = ["port", "listen-address", "bind-interfaces", "no-resolv", "no-hosts", "keep-in-foreground", "user", "group", "pid-file", "log-queries", "log-facility", "interface", "except-interface"];
        return [.. lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && !placement.Contains(l.Split('=')[0].Trim(), StringComparer.Ordinal))];
    }
}
