using System.Net;

namespace Gatehouse.Dns;

/// <summary>Resource record types (RFC 1035 §3.2.2, RFC 3596 for AAAA); values not named here still round-trip as numbers.</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    OPT = 41,
}

/// <summary>The RCODE of a response header (RFC 1035 §4.1.1); only the four header bits, no EDNS extension.</summary>
public enum DnsResponseCode : byte
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
}

/// <summary>One entry of the question section.</summary>
/// <param name="Name">The name as on the wire, without the trailing dot ("" is the root).</param>
public sealed record DnsQuestion(string Name, DnsRecordType Type, ushort Class);

/// <summary>The decoded RDATA of a record; a type the resolver does not interpret is <see cref="RawData"/>.</summary>
public abstract record DnsRecordData;

/// <summary>The RDATA of an A or AAAA record.</summary>
public sealed record AddressData(IPAddress Address) : DnsRecordData;

/// <summary>The RDATA of a CNAME record: the canonical name the owner is an alias of.</summary>
public sealed record CnameData(string Target) : DnsRecordData;

/// <summary>The RDATA of an MX record (RFC 1035 §3.3.9); an <paramref name="Exchange"/> of "" is the null MX of RFC 7505.</summary>
public sealed record MxData(ushort Preference, string Exchange) : DnsRecordData;

/// <summary>The RDATA of an SOA record (RFC 1035 §3.3.13); <paramref name="Minimum"/> bounds negative caching (RFC 2308 §4).</summary>
public sealed record SoaData(string PrimaryServer, string Mailbox, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecordData;

/// <summary>RDATA of a type this resolver does not interpret, kept as the bytes that were on the wire.</summary>
public sealed record RawData(ReadOnlyMemory<byte> Bytes) : DnsRecordData;

/// <summary>One resource record of the answer, authority or additional section.</summary>
/// <param name="Name">The owner name without the trailing dot, in the case the server sent.</param>
/// <param name="Ttl">Seconds; a value with the top bit set is read as 0 (RFC 2181 §8).</param>
public sealed record DnsRecord(string Name, DnsRecordType Type, ushort Class, uint Ttl, DnsRecordData Data);

/// <summary>A decoded DNS message: header fields and the four sections (RFC 1035 §4.1).</summary>
/// <remarks>
/// Plain data, produced by <see cref="DnsWire.Decode"/>; it holds what the server sent, in its order and
/// case, and judges nothing: whether it answers the question asked is the resolver's business.
/// Names are in presentation form without the trailing dot, "" being the root; compare them with
/// <see cref="StringComparer.OrdinalIgnoreCase"/> (RFC 4343).
/// </remarks>
public sealed record DnsMessage
{
    public required ushort Id { get; init; }

    /// <summary>QR: set in a response.</summary>
    public required bool IsResponse { get; init; }

    public required byte Opcode { get; init; }

    public required bool Authoritative { get; init; }

    /// <summary>TC: the answer did not fit and the question should be asked again over TCP.</summary>
    public required bool Truncated { get; init; }

    public required bool RecursionDesired { get; init; }

    public required bool RecursionAvailable { get; init; }

    public required DnsResponseCode ResponseCode { get; init; }

    public required IReadOnlyList<DnsQuestion> Questions { get; init; }

    public required IReadOnlyList<DnsRecord> Answers { get; init; }

    public required IReadOnlyList<DnsRecord> Authority { get; init; }

    public required IReadOnlyList<DnsRecord> Additional { get; init; }
}
