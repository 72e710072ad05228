using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gatehouse.Core.Configuration;
using Gatehouse.Core.Tracking;
using Gatehouse.Server.Logging;
using Gatehouse.Server.Tracking;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Hosting;

/// <summary><c>GET /track</c>: a search of this server's tracking log, or of every server of the organization merged into one timeline per message.</summary>
/// <remarks>
/// <para>What it does: with <c>scope=local</c> it searches this server's <see cref="TrackingStore"/>.
/// With <c>scope=organization</c> (the default) it also asks every other server of the configuration
/// (<c>servers[].admin</c>: address, port and token) the same question with <c>scope=local</c>, all
/// at once, each within <see cref="RemoteTimeout"/>. When the search was not by Message-ID, a second
/// round asks every server that answered for the Message-IDs found, so that the hops where the
/// address had already been rewritten (and so did not match) are part of the timeline too. The
/// events are merged by Message-ID (<see cref="TrackingTimeline"/>).</para>
/// <para>What it does not: check who may ask (<see cref="AdminAccess"/> does, before) or cross
/// organizations: it asks only the servers its own configuration lists.</para>
/// <para>How it fails: a server that cannot be asked (no admin section), does not answer in time,
/// refuses, or cannot read its own log is named in <c>unreachable</c> with the reason, and the
/// answer is still 200 with what the others said. A local search whose log cannot be read is 503.
/// A bad query value is 400.</para>
/// </remarks>
public static class TrackingApi
{
    /// <summary>How long another server may take to answer.</summary>
    public static readonly TimeSpan RemoteTimeout = TimeSpan.FromSeconds(5);

    // The second round asks for at most this many Message-IDs, this many to a request (the URL stays short).
    private const int FollowUpMessages = 200;
    private const int FollowUpChunk = 25;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2), ConnectTimeout = RemoteTimeout })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Adds <c>GET /track</c> to <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, GatehouseServer server, ILogger logger)
    {
        // Typed as a Func so that the minimal API writes the IResult, rather than taking the lambda for a RequestDelegate.
        Func<HttpContext, Task<IResult>> track = c => TrackAsync(c, server, logger);
        app.MapGet("/track", track);
    }

    private static async Task<IResult> TrackAsync(HttpContext c, GatehouseServer server, ILogger logger)
    {
        var q = c.Request.Query;
        if (!TryReadQuery(q, TimeProvider.System.GetUtcNow(), out var query, out var error)) return Error(StatusCodes.Status400BadRequest, error);
        var scope = One(q, "scope") ?? "organization";
        if (scope is not ("local" or "organization")) return Error(StatusCodes.Status400BadRequest, "scope must be local or organization");
        var ct = c.RequestAborted;
        if (scope == "local")
        {
            var (events, why) = await LocalAsync(server, query, ct).ConfigureAwait(false);
            if (events is null) return Error(StatusCodes.Status503ServiceUnavailable, why!);
            return Json(new TrackingSearchResult(TrackingTimeline.Group(events), [server.ServerConfig.Name], []));
        }
        return Json(await SearchOrganizationAsync(server, query, logger, ct).ConfigureAwait(false));
    }

    /// <summary>Reads <c>message_id</c> (repeatable), <c>sender</c>, <c>recipient</c>, <c>since</c>, <c>until</c> and <c>limit</c>.</summary>
    public static bool TryReadQuery(IQueryCollection q, DateTimeOffset now, out TrackingQuery query, out string error)
    {
        query = new TrackingQuery(null, null, null, null, null);
        error = "";
        var ids = q["message_id"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => TrackingQuery.StripBrackets(v!)).ToArray();
        DateTimeOffset? since = null, until = null;
        if (One(q, "since") is { } s)
        {
            if (!TrackingQuery.TryParseTime(s, now, DateTimeStyles.AssumeUniversal, out var t))
            {
                error = $"since '{s}' is not a time: ISO 8601 (2025-11-23T09:00:00Z) or a duration ago (30m, 2h, 1d)";
                return false;
            }
            since = t;
        }
        if (One(q, "until") is { } u)
        {
            if (!TrackingQuery.TryParseTime(u, now, DateTimeStyles.AssumeUniversal, out var t))
            {
                error = $"until '{u}' is not a time: ISO 8601 (2025-11-23T09:00:00Z) or a duration ago (30m, 2h, 1d)";
                return false;
            }
            until = t;
        }
        var limit = 1000;
        if (One(q, "limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > TrackingQuery.MaxLimit))
        {
            error = $"limit must be a number from 1 to {TrackingQuery.MaxLimit}";
            return false;
        }
        query = new TrackingQuery(ids.FirstOrDefault(), One(q, "sender"), One(q, "recipient"), since, until, limit) { MoreMessageIds = ids.Skip(1).ToArray() };
        if (!query.HasCriteria)
        {
            error = "say what to look for: message_id, sender, recipient, since or until";
            return false;
        }
        return true;
    }

    /// <summary>The organization-wide search: see the remarks of the class.</summary>
    public static async Task<TrackingSearchResult> SearchOrganizationAsync(GatehouseServer server, TrackingQuery query, ILogger logger, CancellationToken ct)
    {
        var me = server.ServerConfig.Name;
        var others = server.CurrentConfig.Servers.Where(s => !s.Name.Equals(me, StringComparison.OrdinalIgnoreCase)).ToArray();
        var first = await Task.WhenAll(
            [AskSelfAsync(server, query, ct), .. others.Select(s => AskAsync(s, query, ct))]).ConfigureAwait(false);

        var events = new List<TrackingEvent>();
        foreach (var a in first)
        {
            if (a.Events is { } e) events.AddRange(e);
        }
        if (query.MessageIds.Count == 0)
        {
            var found = events.Select(e => e.MessageId).OfType<string>().Distinct(StringComparer.Ordinal).TakeLast(FollowUpMessages).ToArray();
            if (found.Length > 0)
            {
                var answered = first.Where(a => a.Events is not null).ToArray();
                var second = await Task.WhenAll(answered.Select(a => FollowUpAsync(a.Name == me ? null : others.First(s => s.Name == a.Name), server, found, ct))).ConfigureAwait(false);
                foreach (var e in second) events.AddRange(e);
            }
        }
        var unreachable = first.Where(a => a.Events is null).Select(a => new UnreachableServer(a.Name, a.Why!)).ToArray();
        foreach (var u in unreachable) Log.TrackingUnreachable(logger, u.Server, u.Reason);
        return new TrackingSearchResult(
            TrackingTimeline.Group(TrackingTimeline.Distinct(events)),
            first.Where(a => a.Events is not null).Select(a => a.Name).ToArray(),
            unreachable);
    }

    private sealed record Answer(string Name, IReadOnlyList<TrackingEvent>? Events, string? Why);

    private static async Task<Answer> AskSelfAsync(GatehouseServer server, TrackingQuery query, CancellationToken ct)
    {
        var (events, why) = await LocalAsync(server, query, ct).ConfigureAwait(false);
        return new Answer(server.ServerConfig.Name, events, why);
    }

    private static async Task<(IReadOnlyList<TrackingEvent>? Events, string? Why)> LocalAsync(GatehouseServer server, TrackingQuery query, CancellationToken ct)
    {
        if (server.TrackingStore is not { } store) return (null, "tracking is off on this server (tracking.enabled: false)");
        try
        {
            return (await store.SearchAsync(query, ct).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            return (null, $"its tracking log cannot be read: {e.Message}");
        }
    }

    private static async Task<Answer> AskAsync(ServerConfig other, TrackingQuery query, CancellationToken ct)
    {
        if (other.Admin is null) return new Answer(other.Name, null, "it has no admin endpoint in the configuration (servers.admin)");
        var (result, why) = await GetAsync(other, query, ct).ConfigureAwait(false);
        return new Answer(other.Name, result is null ? null : TrackingTimeline.Flatten(result.Messages).ToArray(), why);
    }

    /// <summary>The second round, for one server that answered the first: every event of the messages found anywhere.</summary>
    private static async Task<IReadOnlyList<TrackingEvent>> FollowUpAsync(ServerConfig? other, GatehouseServer self, string[] messageIds, CancellationToken ct)
    {
        var events = new List<TrackingEvent>();
        foreach (var chunk in messageIds.Chunk(FollowUpChunk))
        {
            // Every event of these messages: each Message-ID is one message at most.
            var q = new TrackingQuery(chunk[0], null, null, null, null, chunk.Length) { MoreMessageIds = chunk[1..] };
            if (other is null)
            {
                if ((await LocalAsync(self, q, ct).ConfigureAwait(false)).Events is { } mine) events.AddRange(mine);
            }
            else if ((await GetAsync(other, q, ct).ConfigureAwait(false)).Result is { } theirs)
            {
                events.AddRange(TrackingTimeline.Flatten(theirs.Messages));
            }
        }
        return events;
    }

    private static async Task<(TrackingSearchResult? Result, string? Why)> GetAsync(ServerConfig other, TrackingQuery query, CancellationToken ct)
    {
        var admin = other.Admin!;
        var url = new Uri(BaseUrl(other, admin), "track?" + QueryString(query) + "&scope=local");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RemoteTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (admin.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await Http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return (null, $"{url.Authority} answered {(int)response.StatusCode}: {ErrorOf(body)}");
            return JsonSerializer.Deserialize(body, TrackingJson.Relaxed.TrackingSearchResult) is { } r ? (r, null) : (null, $"{url.Authority} answered null");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"no answer from {url.Authority} within {RemoteTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is SocketException s ? s.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData => "host not found",
                SocketError.TimedOut => "connection timed out",
                _ => s.Message,
            } : e.Message;
            return (null, $"{why} ({url.Authority})");
        }
        catch (JsonException)
        {
            return (null, $"{url.Authority} answered with something other than a tracking search result");
        }
    }

    /// <summary>Where another server's admin API is reached: its configured address, or for a wildcard its first listener's address, else its host name.</summary>
    public static Uri BaseUrl(ServerConfig other, AdminConfig admin)
    {
        var host = admin.Address.Equals(IPAddress.Any) || admin.Address.Equals(IPAddress.IPv6Any)
            ? other.Listeners.Select(l => l.Address).FirstOrDefault(a => !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any)) is { } a ? Literal(a) : other.Hostname
            : Literal(admin.Address);
        return new Uri($"http://{host}:{admin.Port}/");

        static string Literal(IPAddress a) => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString();
    }

    /// <summary>The query string of <paramref name="query"/>, as <c>GET /track</c> reads it (without scope).</summary>
    public static string QueryString(TrackingQuery query)
    {
        var parts = new List<string>();
        foreach (var id in query.MessageIds) parts.Add("message_id=" + Uri.EscapeDataString(id));
        if (query.Sender is { } s) parts.Add("sender=" + Uri.EscapeDataString(s));
        if (query.Recipient is { } r) parts.Add("recipient=" + Uri.EscapeDataString(r));
        if (query.Since is { } since) parts.Add("since=" + Uri.EscapeDataString(since.ToString("O", CultureInfo.InvariantCulture)));
        if (query.Until is { } until) parts.Add("until=" + Uri.EscapeDataString(until.ToString("O", CultureInfo.InvariantCulture)));
        parts.Add("limit=" + query.Limit.ToString(CultureInfo.InvariantCulture));
        return string.Join('&', parts);
    }

    private static string ErrorOf(string body)
    {
        try
        {
            if (JsonSerializer.Deserialize(body, TrackingJson.Relaxed.AdminError)?.Error is { } e) return e;
        }
        catch (JsonException)
        {
        }
        return body.Length > 200 ? body[..200] : body;
    }

    private static string? One(IQueryCollection q, string name) => q[name].FirstOrDefault() is { Length: > 0 } v ? v : null;

    private static IResult Json(TrackingSearchResult r) => Results.Json(r, TrackingJson.Relaxed.TrackingSearchResult);

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), TrackingJson.Relaxed.AdminError, statusCode: status);
}

/// <summary>The JSON of <c>GET /track</c>, written by the API and read by other servers and the CLI: camelCase, addresses as they are.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TrackingSearchResult))]
[JsonSerializable(typeof(AdminError))]
public sealed partial class TrackingJson : JsonSerializerContext
{
    /// <summary>Relaxed escaping keeps <c>+</c>, <c>&lt;</c> and <c>&gt;</c> of addresses and Message-IDs readable (the body is JSON, never HTML).</summary>
    public static TrackingJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
