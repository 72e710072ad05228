using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Dns;

/// <summary>Turns a mail domain, or a smart host, into the list of hosts and addresses to try (RFC 5321 §5.1).</summary>
/// <remarks>
/// <para>
/// For a domain: an entry in the static hosts table wins over DNS and is the one host. Otherwise the
/// MX records of the domain, after following a CNAME chain (at most 8 links, loops detected), are
/// ordered by preference with equal preferences shuffled (§5.1); an exchange listed twice keeps its
/// lowest preference. A single MX whose exchange is the root is a null MX (RFC 7505 §3) and the
/// domain takes no mail; a root exchange among other MX records is ignored. With no MX records
/// (NODATA) the domain itself is the implicit MX of preference 0 (§5.1). Each exchange's addresses
/// come from the static table or from A and AAAA lookups (both, in parallel; IPv4 listed first); an
/// exchange without addresses is skipped and named in the detail. NXDOMAIN for the domain is
/// permanent; SERVFAIL, REFUSED, no answer, and no exchange with an address are temporary. That
/// includes every exchange being NXDOMAIN: Postfix defers that too, since it is usually a broken
/// zone that gets fixed. The additional section is not used: RFC 2181 §5.4.1 ranks it lowest, and
/// a stub behind a recursive server gains nothing from it.
/// </para>
/// <para>
/// For a host (smart host, forwarding host): no MX lookup. An address literal (<c>192.0.2.1</c>,
/// <c>[192.0.2.1]</c>, <c>[IPv6:2001:db8::1]</c>, <c>2001:db8::1</c>) is used as it is; a name in
/// brackets is looked up as a name (the Postfix way of saying "no MX"); otherwise the static table,
/// then A and AAAA. NXDOMAIN is <see cref="MailHostStatus.NoSuchDomain"/>; the caller may well prefer
/// to defer, since a smart host that vanished is a configuration problem rather than the message's.
/// </para>
/// <para>
/// Names are checked and normalised by <see cref="DomainName"/>; an invalid one is
/// <see cref="MailHostStatus.NoSuchDomain"/> without any query. It does not remove the local host and
/// less preferred exchanges from the list (§5.1: the caller knows its own names), does not connect,
/// does not look up TLSA or MTA-STS, and does not split a port off a host.
/// </para>
/// </remarks>
public sealed class MailHostResolver
{
    /// <summary>The most CNAME links followed from the name asked for.</summary>
    public const int MaxCnameChain = 8;

    private readonly IDnsResolver _dns;
    private readonly Dictionary<string, IReadOnlyList<IPAddress>> _static = new(StringComparer.Ordinal);
    private readonly Random _random;
    private readonly Lock _randomLock = new();

    /// <summary>Creates a resolver; <paramref name="staticHosts"/> maps host or domain names to addresses that override DNS.</summary>
    /// <param name="random">Shuffles equal preferences; tests pass a seeded one. Defaults to <see cref="Random.Shared"/>.</param>
    public MailHostResolver(IDnsResolver dns, IReadOnlyDictionary<string, IReadOnlyList<IPAddress>>? staticHosts = null, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _dns = dns;
        _random = random ?? Random.Shared;
        foreach (var (name, addresses) in staticHosts ?? new Dictionary<string, IReadOnlyList<IPAddress>>())
        {
            if (!DomainName.TryNormalise(name, out var normal, out var error))
                throw new ArgumentException($"Static host \"{name}\": {error}.", nameof(staticHosts));
            if (addresses.Count == 0) throw new ArgumentException($"Static host \"{name}\" has no addresses.", nameof(staticHosts));
            _static[normal] = OrderAddresses(addresses);
        }
    }

    /// <summary>The hosts to try for mail to <paramref name="domain"/>, in order.</summary>
    public async Task<MailHostResult> ResolveDomainAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.StartsWith('[')) return ResolveLiteral(domain) ?? MailHostResult.Failed(MailHostStatus.NoSuchDomain, $"invalid address literal {Quote(domain)}");
        if (!DomainName.TryNormalise(domain, out var name, out var error))
            return MailHostResult.Failed(MailHostStatus.NoSuchDomain, $"invalid domain {Quote(domain)}: {error}");
        if (_static.TryGetValue(name, out var fixedAddresses))
            return MailHostResult.Found([new MailHost(name, 0, fixedAddresses)]);

        var mx = await LookupAsync(name, DnsRecordType.MX, cancellationToken).ConfigureAwait(false);
        switch (mx.Kind)
        {
            case LookupKind.Failed:
                return MailHostResult.Failed(MailHostStatus.TemporaryFailure, mx.Detail);
            case LookupKind.NxDomain:
                return MailHostResult.Failed(MailHostStatus.NoSuchDomain, mx.Detail + " (the domain does not exist)");
            case LookupKind.NoData:
                return await ImplicitMxAsync(name, cancellationToken).ConfigureAwait(false);
        }

        var records = mx.Data.OfType<MxData>().ToList();
        if (records.Count == 1 && records[0].Exchange.Length == 0)
            return MailHostResult.Failed(MailHostStatus.NullMx, $"{name} publishes a null MX: it does not accept mail");

        var notes = new List<string>();
        var exchanges = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (record.Exchange.Length == 0) continue; // a null MX among real ones is a broken zone (RFC 7505 §3); the others still work
            if (!DomainName.TryNormalise(record.Exchange, out var exchange, out var exchangeError))
            {
                notes.Add($"skipped MX {Quote(record.Exchange)}: {exchangeError}");
                continue;
            }
            exchanges[exchange] = exchanges.TryGetValue(exchange, out var seen) ? Math.Min(seen, record.Preference) : record.Preference;
        }
        var ordered = Order(exchanges);
        var lookups = await Task.WhenAll(ordered.Select(e => LookupHostAsync(e.Name, cancellationToken))).ConfigureAwait(false);
        var hosts = new List<MailHost>();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (lookups[i].Addresses.Count > 0) hosts.Add(new MailHost(ordered[i].Name, ordered[i].Preference, lookups[i].Addresses));
            else notes.Add($"skipped MX {ordered[i].Name}: {lookups[i].Detail}");
        }
        if (hosts.Count > 0) return MailHostResult.Found(hosts, string.Join("; ", notes));
        var allNxDomain = lookups.Length > 0 && lookups.All(l => l.NxDomain);
        var why = $"no MX host of {name} has an address" + (allNxDomain ? " (every MX host name is NXDOMAIN; deferred, as Postfix does)" : "");
        return MailHostResult.Failed(MailHostStatus.TemporaryFailure, string.Join("; ", notes.Prepend(why)));
    }

    /// <summary>The addresses of a smart host or forwarding host, without any MX lookup: one host, or a status saying why not.</summary>
    public async Task<MailHostResult> ResolveHostAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var literal = ResolveLiteral(host);
        if (literal is not null) return literal;
        var text = host;
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            text = host[1..^1];
            // What looks like an address but did not parse as one is a typo, not a host name.
            if (text.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase) || text.Contains(':') || text.All(c => char.IsAsciiDigit(c) || c == '.'))
                return MailHostResult.Failed(MailHostStatus.NoSuchDomain, $"invalid address literal {Quote(host)}");
        }
        if (!DomainName.TryNormalise(text, out var name, out var error))
            return MailHostResult.Failed(MailHostStatus.NoSuchDomain, $"invalid host name {Quote(host)}: {error}");
        var lookup = await LookupHostAsync(name, cancellationToken).ConfigureAwait(false);
        if (lookup.Addresses.Count > 0) return MailHostResult.Found([new MailHost(name, 0, lookup.Addresses)], lookup.Detail);
        var detail = lookup.Temporary ? lookup.Detail : $"{name}: {lookup.Detail}";
        return MailHostResult.Failed(lookup.NxDomain ? MailHostStatus.NoSuchDomain : MailHostStatus.TemporaryFailure, detail);
    }

    private async Task<MailHostResult> ImplicitMxAsync(string name, CancellationToken cancellationToken)
    {
        var lookup = await LookupHostAsync(name, cancellationToken).ConfigureAwait(false);
        if (lookup.Addresses.Count > 0) return MailHostResult.Found([new MailHost(name, 0, lookup.Addresses)], lookup.Detail);
        return MailHostResult.Failed(MailHostStatus.TemporaryFailure, $"{name} has no MX records and no usable address (implicit MX): {lookup.Detail}");
    }

    private List<(string Name, int Preference)> Order(Dictionary<string, int> exchanges)
    {
        // Sorting by name first makes the result depend only on the Random, not on the order the server listed the records in.
        var list = exchanges.Select(e => (Name: e.Key, Preference: e.Value))
            .OrderBy(e => e.Preference).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();
        lock (_randomLock)
        {
            for (var start = 0; start < list.Count;)
            {
                var end = start;
                while (end < list.Count && list[end].Preference == list[start].Preference) end++;
                for (var i = end - 1; i > start; i--)
                {
                    var j = _random.Next(start, i + 1);
                    (list[i], list[j]) = (list[j], list[i]);
                }
                start = end;
            }
        }
        return list;
    }

    private static MailHostResult? ResolveLiteral(string text)
    {
        IPAddress? address = null;
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            var inner = text[1..^1];
            if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase)) address = ParseIPv6(inner[5..]);
            else address = ParseIPv4(inner) ?? ParseIPv6(inner);
        }
        else
        {
            address = ParseIPv4(text) ?? (text.Contains(':') ? ParseIPv6(text) : null);
        }
        return address is null ? null : MailHostResult.Found([new MailHost(address.ToString(), 0, [address])]);
    }

    // RFC 5321 §4.1.3 IPv4-address-literal: exactly four decimal numbers 0-255, which IPAddress.Parse alone does not insist on ("127.1", "0x7f.0.0.1").
    private static IPAddress? ParseIPv4(string text)
    {
        var parts = text.Split('.');
        if (parts.Length != 4) return null;
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            var part = parts[i];
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit)) return null;
            var value = int.Parse(part, System.Globalization.CultureInfo.InvariantCulture);
            if (value > 255) return null;
            bytes[i] = (byte)value;
        }
        return new IPAddress(bytes);
    }

    private static IPAddress? ParseIPv6(string text)
    {
        // A scope ("%eth0") means nothing in a mail address, and brackets or a port do not belong inside.
        if (text.Length == 0 || !text.Contains(':') || text.AsSpan().ContainsAny("%[]/ ")) return null;
        return IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 ? address : null;
    }

    private enum LookupKind
    {
        Found,
        NoData,
        NxDomain,
        Failed,
    }

    /// <summary>The records of one type for a name after its CNAME chain, or why there are none.</summary>
    private sealed record Lookup(LookupKind Kind, IReadOnlyList<DnsRecordData> Data, string Detail);

    /// <summary>The addresses of one host, or why there are none.</summary>
    /// <param name="Temporary">A lookup failed (its detail names the query); otherwise the detail is about the name's records.</param>
    private sealed record HostLookup(IReadOnlyList<IPAddress> Addresses, bool NxDomain, bool Temporary, string Detail);

    private async Task<HostLookup> LookupHostAsync(string name, CancellationToken cancellationToken)
    {
        if (_static.TryGetValue(name, out var fixedAddresses)) return new HostLookup(fixedAddresses, false, false, "");
        var a = LookupAsync(name, DnsRecordType.A, cancellationToken);
        var aaaa = LookupAsync(name, DnsRecordType.AAAA, cancellationToken);
        var results = await Task.WhenAll(a, aaaa).ConfigureAwait(false);
        var addresses = OrderAddresses(results.SelectMany(r => r.Data.OfType<AddressData>().Select(d => d.Address)));
        var failures = results.Where(r => r.Kind == LookupKind.Failed).Select(r => r.Detail).ToList();
        if (addresses.Count > 0) return new HostLookup(addresses, false, false, string.Join("; ", failures));
        if (failures.Count > 0) return new HostLookup([], false, true, string.Join("; ", failures));
        if (results.All(r => r.Kind == LookupKind.NxDomain)) return new HostLookup([], true, false, "NXDOMAIN (no such host)");
        return new HostLookup([], false, false, "no A or AAAA records");
    }

    /// <summary>Asks for one type and follows CNAMEs, within the answer and, where the answer stops at an alias, with a new query.</summary>
    private async Task<Lookup> LookupAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var visited = new HashSet<string>(StringComparer.Ordinal) { name };
        var current = name;
        var links = 0;
        while (true)
        {
            var what = $"{type} lookup for {current}";
            var response = await _dns.QueryAsync(current, type, cancellationToken).ConfigureAwait(false);
            if (response.Message is null) return new Lookup(LookupKind.Failed, [], $"{what}: {response.Detail}");
            var rcode = response.Message.ResponseCode;
            if (rcode is not (DnsResponseCode.NoError or DnsResponseCode.NxDomain))
                return new Lookup(LookupKind.Failed, [], $"{what}: {response.Describe()}");

            var owner = current;
            while (true)
            {
                var data = response.Answers.Where(r => r.Type == type && SameName(r.Name, owner)).Select(r => r.Data).ToList();
                if (data.Count > 0) return new Lookup(LookupKind.Found, data, "");
                var alias = response.Answers.FirstOrDefault(r => r.Data is CnameData && SameName(r.Name, owner));
                if (alias is null) break;
                var targetText = ((CnameData)alias.Data).Target;
                if (!DomainName.TryNormalise(targetText, out var target, out var error))
                    return new Lookup(LookupKind.Failed, [], $"{what}: CNAME {owner} points to an invalid name: {error}");
                if (++links > MaxCnameChain)
                    return new Lookup(LookupKind.Failed, [], $"{what}: CNAME chain longer than {MaxCnameChain}");
                if (!visited.Add(target))
                    return new Lookup(LookupKind.Failed, [], $"{what}: CNAME loop at {target}");
                owner = target;
            }
            // RFC 6604 §3: with a CNAME chain the RCODE speaks of its last name.
            if (rcode == DnsResponseCode.NxDomain) return new Lookup(LookupKind.NxDomain, [], $"{what}: NXDOMAIN");
            // A recursive server gives the whole chain; one that stopped at an alias is asked about the alias's target.
            if (owner == current) return new Lookup(LookupKind.NoData, [], $"{what}: no {type} records");
            current = owner;
        }
    }

    private static List<IPAddress> OrderAddresses(IEnumerable<IPAddress> addresses) =>
        [.. addresses.Distinct().OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)];

    private static bool SameName(string a, string b) =>
        string.Equals(a.EndsWith('.') ? a[..^1] : a, b, StringComparison.OrdinalIgnoreCase);

    // Names from configuration or a message go into the detail, which may reach a bounce: keep it short and printable.
    private static string Quote(string text)
    {
        var cut = text.Length > 80 ? text[..80] + "..." : text;
        return "\"" + new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]) + "\"";
    }
}
