using System.Net;

namespace Gatehouse.Dns;

/// <summary>Asks DNS one question; implemented by the stub resolver, the cache that wraps it, and test doubles.</summary>
public interface IDnsResolver
{
    /// <summary>Resolves one name and type; a server that does not answer is a result, not an exception (only cancellation throws).</summary>
    Task<DnsResponse> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken);
}

/// <summary>The outcome of one query: the response a server sent, or why none did.</summary>
/// <remarks>
/// <see cref="ResponseCode"/> is null exactly when no server answered (every try timed out, was
/// refused at the transport or sent only datagrams that did not match); <see cref="Detail"/> then
/// says what happened per server. A response with any RCODE counts as answered: whether SERVFAIL is
/// worth retrying later is the caller's decision.
/// </remarks>
public sealed record DnsResponse
{
    /// <summary>The name asked for, as given (the server's echo of it may differ in case).</summary>
    public required string Name { get; init; }

    public required DnsRecordType Type { get; init; }

    /// <summary>The decoded response, or null when no server answered.</summary>
    public DnsMessage? Message { get; init; }

    /// <summary>The server that sent <see cref="Message"/>.</summary>
    public IPEndPoint? Server { get; init; }

    /// <summary>Whether the response came over TCP after a truncated UDP answer (RFC 7766 §5).</summary>
    public bool OverTcp { get; init; }

    /// <summary>Why no server answered (per server), or "" when one did.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The RCODE of the response, or null when no server answered.</summary>
    public DnsResponseCode? ResponseCode => Message?.ResponseCode;

    /// <summary>The answer section, empty when there is no response.</summary>
    public IReadOnlyList<DnsRecord> Answers => Message?.Answers ?? [];

    /// <summary>A response that a server sent.</summary>
    public static DnsResponse Answered(string name, DnsRecordType type, DnsMessage message, IPEndPoint server, bool overTcp) =>
        new() { Name = name, Type = type, Message = message, Server = server, OverTcp = overTcp };

    /// <summary>No server answered; <paramref name="detail"/> says why, e.g. "server 127.0.0.1:53 timed out".</summary>
    public static DnsResponse NoAnswer(string name, DnsRecordType type, string detail) =>
        new() { Name = name, Type = type, Detail = detail };

    /// <summary>A short description for logs and bounce texts: "NXDOMAIN from 127.0.0.1:53" or the failure detail.</summary>
    public string Describe() => Message is null
        ? Detail
        : $"{RcodeText(Message.ResponseCode)} from {Server}{(OverTcp ? " over TCP" : "")}";

    /// <summary>The conventional upper-case mnemonic of an RCODE (RFC 6895 §2.3).</summary>
    public static string RcodeText(DnsResponseCode code) => code switch
    {
        DnsResponseCode.NoError => "NOERROR",
        DnsResponseCode.FormErr => "FORMERR",
        DnsResponseCode.ServFail => "SERVFAIL",
        DnsResponseCode.NxDomain => "NXDOMAIN",
        DnsResponseCode.NotImp => "NOTIMP",
        DnsResponseCode.Refused => "REFUSED",
        _ => "RCODE " + ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
