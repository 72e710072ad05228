using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Policy;
using Gatehouse.Core.Routing;
using Gatehouse.Server.Configuration;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Routing;

/// <summary>
/// Reads the seed route tables: one case per line, <c>server | address | client | auth | down → expectation</c>;
/// blank lines and lines starting with <c>#</c> are comments. Adding a case needs no C#.
/// </summary>
/// <remarks>
/// <para><c>-</c> is the default of a column: client 192.0.2.1 (an outside client, as <c>gatehouse route</c>
/// assumes), no authentication, nothing down. <c>down</c> is a comma-separated list of servers and
/// connectors, as the command's repeated <c>--down</c>.</para>
/// <para>The expectation is what the server would reply at RCPT and where the message goes:
/// <c>250 | Action | connector | next hop | wire address</c> (a <c>-</c> for nothing), or the refusal's
/// <c>code enhanced-code</c>, or <c>501</c> when the address is not even an RCPT path.</para>
/// <para>An address written <c>[TYPE:value]</c> is a one-off and is sent, as a client's SMTP would send
/// it, IMCEA-encapsulated at the organization's first accepted domain (what <c>gatehouse route</c> does).</para>
/// </remarks>
internal static class SeedRouteTable
{
    public const string OutsideClient = "192.0.2.1";

    public static TheoryData<string, string, string> Rows(string file, string table)
    {
        var rows = new TheoryData<string, string, string>();
        foreach (var raw in table.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var arrow = line.IndexOf('→', StringComparison.Ordinal);
            if (arrow < 0) throw new FormatException($"route table line has no '→': {line}");
            // Columns are aligned with spaces for reading; they do not count.
            rows.Add(file, line[..arrow].Trim(), string.Join(" | ", line[(arrow + 1)..].Split('|').Select(c => c.Trim())));
        }
        return rows;
    }

    /// <summary>Runs one case through the function the SMTP server calls at RCPT, and formats the outcome like the expectation.</summary>
    public static string Run(string file, string input, out RecipientVerdict? verdict)
    {
        verdict = null;
        var cols = input.Split('|').Select(c => c.Trim()).ToArray();
        if (cols.Length != 5) throw new FormatException($"expected 'server | address | client | auth | down', got: {input}");
        var config = Load(file);
        var server = config.FindServer(cols[0]) ?? throw new FormatException($"no server {cols[0]} in {file}");
        var remote = IPAddress.Parse(cols[2] == "-" ? OutsideClient : cols[2]);
        var auth = cols[3] == "-" ? null : cols[3];
        var down = cols[4] == "-" ? [] : cols[4].Split(',', StringSplitOptions.TrimEntries);
        if (!TryRecipient(cols[1], config, out var mailbox, out var sourceRoute)) return "501";

        var table = RoutingTable.Build(config, server, RoutingHealth.Of(down, down));
        var client = new ClientFacts(remote, server.Listeners[0].Address, auth);
        verdict = RecipientRouter.Route(table, mailbox, client, sourceRoute);
        return Format(verdict.Route);
    }

    public static string Format(RouteDecision r) => r.Action == RouteAction.Reject
        ? $"{r.Refusal!.Code} {r.Refusal.Status}"
        : $"250 | {r.Action} | {r.Connector ?? "-"} | {r.NextHop ?? "-"} | {r.WireAddress?.ToString() ?? "-"}";

    /// <summary>The example file, loaded as <c>gatehouse serve --config</c> loads it.</summary>
    public static GatehouseConfig Load(string file)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(file, out var config)) Cache[file] = config = ConfigLoader.LoadFile(Path.Combine(ExamplesDirectory, file));
            return config;
        }
    }

    private static readonly Dictionary<string, GatehouseConfig> Cache = [];

    public static string ExamplesDirectory => Path.Combine(Repository.Root, "examples");

    /// <summary>The address as RCPT TO would carry it: a one-off encapsulated, angle brackets added, the path parsed.</summary>
    private static bool TryRecipient(string text, GatehouseConfig config, out Mailbox mailbox, out string sourceRoute)
    {
        mailbox = null!;
        sourceRoute = "";
        if (text.StartsWith('[') && !text.StartsWith("[IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            if (!OneOffAddress.TryParse(text, out var oneOff, out var why)) throw new FormatException($"{text}: {why}");
            if (!Imcea.TryEncapsulate(oneOff, config.Domains[0].Domain, out var outer, out why)) throw new FormatException($"{text}: {why}");
            text = outer.ToWire();
        }
        if (!text.StartsWith('<')) text = "<" + text + ">";
        var pos = 0;
        return SmtpPathParser.TryParseForwardPath(text, ref pos, utf8: true, out mailbox, out sourceRoute, out _) && pos == text.Length;
    }
}
