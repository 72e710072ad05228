using System.Collections.Concurrent;
using System.Net;

namespace Gatehouse.Dns.Tests.Support;

/// <summary>An <see cref="IDnsResolver"/> that answers from a list of records, as a recursive server would, and records every question.</summary>
/// <remarks>
/// A name with records of some type but not the one asked is NODATA; a name with none is NXDOMAIN. CNAMEs are
/// followed within one answer unless <see cref="ChaseCnames"/> is off; <see cref="Override"/> replaces the answer
/// for one question (SERVFAIL, no answer).
/// </remarks>
internal sealed class ScriptedDns : IDnsResolver
{
    public static readonly IPEndPoint Server = new(IPAddress.Loopback, 53);

    private readonly List<DnsRecord> _records = [];
    private readonly Dictionary<(string, DnsRecordType), DnsResponse> _overrides = [];

    public ConcurrentQueue<(string Name, DnsRecordType Type)> Queries { get; } = new();

    public bool ChaseCnames { get; set; } = true;

    public uint Ttl { get; set; } = 300;

    public ScriptedDns Mx(string domain, ushort preference, string exchange) => Add(domain, DnsRecordType.MX, new MxData(preference, exchange));

    public ScriptedDns A(string name, params string[] addresses)
    {
        foreach (var a in addresses) Add(name, DnsRecordType.A, new AddressData(IPAddress.Parse(a)));
        return this;
    }

    public ScriptedDns Aaaa(string name, params string[] addresses)
    {
        foreach (var a in addresses) Add(name, DnsRecordType.AAAA, new AddressData(IPAddress.Parse(a)));
        return this;
    }

    public ScriptedDns Cname(string name, string target) => Add(name, DnsRecordType.CNAME, new CnameData(target));

    public ScriptedDns Add(string name, DnsRecordType type, DnsRecordData data)
    {
        _records.Add(new DnsRecord(name, type, 1, Ttl, data));
        return this;
    }

    public ScriptedDns Override(string name, DnsRecordType type, DnsResponse response)
    {
        _overrides[(name, type)] = response;
        return this;
    }

    public int Count(string name, DnsRecordType type) => Queries.Count(q => q.Name == name && q.Type == type);

    public Task<DnsResponse> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        Queries.Enqueue((name, type));
        if (_overrides.TryGetValue((name, type), out var fixedResponse)) return Task.FromResult(fixedResponse);
        var answers = new List<DnsRecord>();
        var current = name;
        for (var hops = 0; hops < 20; hops++)
        {
            var matching = _records.Where(r => Same(r.Name, current) && r.Type == type).ToList();
            if (matching.Count > 0)
            {
                answers.AddRange(matching);
                break;
            }
            var alias = _records.FirstOrDefault(r => Same(r.Name, current) && r.Type == DnsRecordType.CNAME);
            if (alias is null) break;
            answers.Add(alias);
            current = ((CnameData)alias.Data).Target;
            if (!ChaseCnames) break;
        }
        var exists = _records.Any(r => Same(r.Name, current));
        var rcode = exists || (answers.Count > 0 && !ChaseCnames) ? DnsResponseCode.NoError : DnsResponseCode.NxDomain;
        return Task.FromResult(Response(name, type, rcode, answers));
    }

    public static DnsResponse Response(string name, DnsRecordType type, DnsResponseCode rcode, IReadOnlyList<DnsRecord>? answers = null, IReadOnlyList<DnsRecord>? authority = null) =>
        DnsResponse.Answered(name, type, new DnsMessage
        {
            Id = 1,
            IsResponse = true,
            Opcode = 0,
            Authoritative = false,
            Truncated = false,
            RecursionDesired = true,
            RecursionAvailable = true,
            ResponseCode = rcode,
            Questions = [new DnsQuestion(name, type, 1)],
            Answers = answers ?? [],
            Authority = authority ?? [],
            Additional = [],
        }, Server, overTcp: false);

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
