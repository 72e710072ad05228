using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Gatehouse.Dns;

/// <summary>How long and how often the stub resolver tries; the defaults are glibc's (RES_TIMEOUT 5 s, RES_DFLRETRY 2).</summary>
public sealed record DnsResolverOptions
{
    /// <summary>How long one try waits for one server, over UDP and again over TCP.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many rounds over the whole server list.</summary>
    public int Attempts { get; init; } = 2;
}

/// <summary>Sends queries to recursive name servers over UDP, falling back to TCP for truncated answers.</summary>
/// <remarks>
/// A stub resolver (RFC 1123 §6.1.3.1): it asks the configured servers to recurse and trusts their
/// answers; it does no recursion, caching (see <see cref="DnsCache"/>), DNSSEC validation, EDNS or
/// search-list expansion. Each UDP try uses a new socket, so a fresh kernel-chosen random source
/// port, and a random 16-bit id from a cryptographic generator; the socket is connected, so the
/// kernel drops datagrams from other addresses, and a datagram whose id, QR bit, opcode or question
/// echo does not match is ignored while the try keeps waiting (RFC 5452 §4, §9.1). A response with TC
/// set is asked again over TCP with a two-octet length prefix (RFC 1035 §4.2.2, RFC 7766 §5). Servers
/// are tried in order for <see cref="DnsResolverOptions.Attempts"/> rounds, each try waiting
/// <see cref="DnsResolverOptions.Timeout"/>; NOERROR or NXDOMAIN ends the search, another RCODE
/// (SERVFAIL, REFUSED...) moves on to the next server and is returned when no server does better.
/// When no server answers at all the result says so per server; only cancellation throws.
/// </remarks>
public sealed class DnsStubResolver : IDnsResolver
{
    private const ushort ClassIn = 1;
    private const int MaxMessageSize = 65535;

    private readonly IReadOnlyList<IPEndPoint> _servers;
    private readonly DnsResolverOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates a resolver for the given servers, tried in this order.</summary>
    public DnsStubResolver(IReadOnlyList<IPEndPoint> servers, DnsResolverOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(servers);
        if (servers.Count == 0) throw new ArgumentException("At least one name server is needed.", nameof(servers));
        _options = options ?? new DnsResolverOptions();
        if (_options.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options), "The timeout must be positive.");
        if (_options.Attempts < 1) throw new ArgumentOutOfRangeException(nameof(options), "At least one attempt is needed.");
        _servers = [.. servers];
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates a resolver from a parsed resolv.conf.</summary>
    public static DnsStubResolver FromResolvConf(ResolvConf conf, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(conf);
        return new DnsStubResolver(conf.Servers, conf.Options, timeProvider);
    }

    /// <summary>The servers, in the order they are tried.</summary>
    public IReadOnlyList<IPEndPoint> Servers => _servers;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The name cannot be put on the wire (see <see cref="DnsWire.EncodeName"/>).</exception>
    public async Task<DnsResponse> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        DnsWire.EncodeName(name); // a bad name is the caller's bug: refuse it before any packet goes out
        var failures = new Dictionary<IPEndPoint, string>();
        DnsResponse? unhelpful = null;
        for (var attempt = 0; attempt < _options.Attempts; attempt++)
        {
            foreach (var server in _servers)
            {
                var outcome = await TryServerAsync(server, name, type, cancellationToken).ConfigureAwait(false);
                if (outcome.Message is null)
                {
                    failures[server] = outcome.Failure;
                    continue;
                }
                var response = DnsResponse.Answered(name, type, outcome.Message, server, outcome.OverTcp);
                if (outcome.Message.ResponseCode is DnsResponseCode.NoError or DnsResponseCode.NxDomain) return response;
                unhelpful = response;
            }
        }
        return unhelpful ?? DnsResponse.NoAnswer(name, type, string.Join("; ", failures.Select(f => $"server {f.Key} {f.Value}")));
    }

    private readonly record struct Outcome(DnsMessage? Message, bool OverTcp, string Failure);

    private async Task<Outcome> TryServerAsync(IPEndPoint server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var udp = await TryUdpAsync(server, name, type, cancellationToken).ConfigureAwait(false);
        if (udp.Message is not { Truncated: true }) return udp;
        var tcp = await TryTcpAsync(server, name, type, cancellationToken).ConfigureAwait(false);
        return tcp.Message is null ? tcp with { Failure = "truncated its UDP answer; over TCP it " + tcp.Failure } : tcp;
    }

    private async Task<Outcome> TryUdpAsync(IPEndPoint server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(0x10000);
        var query = DnsWire.EncodeQuery(id, name, type);
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var ignored = "";
        try
        {
            await socket.ConnectAsync(server, linked.Token).ConfigureAwait(false);
            await socket.SendAsync(query, SocketFlags.None, linked.Token).ConfigureAwait(false);
            var buffer = new byte[MaxMessageSize];
            while (true)
            {
                var length = await socket.ReceiveAsync(buffer, SocketFlags.None, linked.Token).ConfigureAwait(false);
                var packet = buffer.AsSpan(0, length);
                DnsMessage message;
                try
                {
                    // A truncated answer may end in the middle of a record; only its header and question matter.
                    message = DnsWire.IsTruncated(packet) ? DnsWire.DecodeHeaderAndQuestion(packet) : DnsWire.Decode(packet);
                }
                catch (DnsFormatException e)
                {
                    ignored = $" (ignored a malformed datagram: {e.Message})";
                    continue;
                }
                if (Matches(message, id, name, type)) return new Outcome(message, false, "");
                ignored = " (ignored a datagram that did not match the query)";
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(null, false, "timed out" + ignored);
        }
        catch (SocketException e)
        {
            return new Outcome(null, false, Describe(e));
        }
    }

    private async Task<Outcome> TryTcpAsync(IPEndPoint server, string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        var id = (ushort)RandomNumberGenerator.GetInt32(0x10000);
        var query = DnsWire.EncodeQuery(id, name, type);
        var framed = new byte[query.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
        query.CopyTo(framed, 2);
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server, linked.Token).ConfigureAwait(false);
            await socket.SendAsync(framed, SocketFlags.None, linked.Token).ConfigureAwait(false);
            var prefix = new byte[2];
            if (!await ReadExactlyAsync(socket, prefix, linked.Token).ConfigureAwait(false))
                return new Outcome(null, true, "closed the connection without an answer");
            var packet = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
            if (!await ReadExactlyAsync(socket, packet, linked.Token).ConfigureAwait(false))
                return new Outcome(null, true, "closed the connection in the middle of an answer");
            DnsMessage message;
            try
            {
                message = DnsWire.Decode(packet);
            }
            catch (DnsFormatException e)
            {
                return new Outcome(null, true, $"sent a malformed answer: {e.Message}");
            }
            // Nobody else can inject into this connection, so a mismatch is a broken server: give up on it rather than wait.
            return Matches(message, id, name, type)
                ? new Outcome(message, true, "")
                : new Outcome(null, true, "sent an answer that did not match the query");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Outcome(null, true, "timed out");
        }
        catch (SocketException e)
        {
            return new Outcome(null, true, Describe(e));
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) return false;
            filled += n;
        }
        return true;
    }

    private static bool Matches(DnsMessage message, ushort id, string name, DnsRecordType type)
    {
        if (message.Id != id || !message.IsResponse || message.Opcode != 0 || message.Questions.Count != 1) return false;
        var question = message.Questions[0];
        var asked = name.EndsWith('.') ? name[..^1] : name;
        return question.Type == type && question.Class == ClassIn && string.Equals(question.Name, asked, StringComparison.OrdinalIgnoreCase);
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        // On a connected UDP socket an ICMP port unreachable surfaces as ECONNREFUSED.
        SocketError.ConnectionRefused => "refused the connection (nothing listening)",
        SocketError.ConnectionReset => "reset the connection",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "is unreachable",
        _ => $"failed: {e.SocketErrorCode}",
    };
}
