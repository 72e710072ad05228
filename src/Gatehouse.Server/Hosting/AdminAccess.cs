using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gatehouse.Core.Configuration;

namespace Gatehouse.Server.Hosting;

/// <summary>The admin API's verdict on one request, before any endpoint runs.</summary>
public enum AdminVerdict
{
    Allowed,

    /// <summary>403: from an address other than loopback while <c>servers.admin.allow_remote</c> is off.</summary>
    NotLoopback,

    /// <summary>401: a token is configured and the request carries no <c>Authorization: Bearer</c>.</summary>
    NoToken,

    /// <summary>401: the bearer token is not the configured one.</summary>
    WrongToken,
}

/// <summary>Who may use the admin API: loopback only unless <c>allow_remote</c>, and the bearer token when one is configured.</summary>
/// <remarks>
/// Pure: it sees the remote address, the path and the Authorization header, nothing else, so the
/// decision is tested from a table. Without a token, loopback is the only protection, which is why
/// the default is loopback-only. /healthz and /readyz need no token (a load balancer or an
/// orchestrator asks them) but still obey the loopback rule. The token is compared in constant time
/// over SHA-256 digests, so neither its contents nor its length show in the timing.
/// </remarks>
public sealed class AdminAccess
{
    private readonly byte[]? _tokenDigest;
    private readonly bool _allowRemote;

    public AdminAccess(AdminConfig admin)
    {
        _allowRemote = admin.AllowRemote;
        _tokenDigest = admin.Token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(admin.Token));
    }

    /// <summary>Paths that answer without a token.</summary>
    public static bool IsProbe(string path) => path is "/healthz" or "/readyz";

    public AdminVerdict Check(IPAddress? remote, string path, string? authorization)
    {
        if (!_allowRemote && !IsLoopback(remote)) return AdminVerdict.NotLoopback;
        if (_tokenDigest is null || IsProbe(path)) return AdminVerdict.Allowed;
        if (BearerToken(authorization) is not { } presented) return AdminVerdict.NoToken;
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(digest, _tokenDigest) ? AdminVerdict.Allowed : AdminVerdict.WrongToken;
    }

    /// <summary>True for 127.0.0.0/8, ::1 and their IPv4-mapped forms; false for no address at all.</summary>
    public static bool IsLoopback(IPAddress? remote) =>
        remote is not null && IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);

    /// <summary>The credentials of an <c>Authorization: Bearer</c> header (RFC 6750 §2.1; the scheme is case-insensitive), or null.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
