using System.Net;
using Gatehouse.Core.Configuration;
using Gatehouse.Server.Delivery;
using Gatehouse.Server.Logging;
using Gatehouse.Server.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Hosting;

/// <summary>The admin HTTP API on <c>servers.admin</c>: health and readiness probes, metrics, reload, the queue commands, and the routing table and route explanations.</summary>
/// <remarks>
/// <para>What it does: maps the routes onto a Kestrel <see cref="WebApplication"/> and turns each
/// request into one call on <see cref="GatehouseServer"/> or its <see cref="QueueManager"/>; every
/// answer except the probes and /metrics is JSON, errors as <c>{"error": "..."}</c>. docs/admin-api.md
/// lists the endpoints.</para>
/// <para>What it does not: decide who may call it (<see cref="AdminAccess"/> does, before any route
/// runs) or touch the spool itself (the queue manager does, under its own locks).</para>
/// <para>How it fails: a request the access check refuses gets 403 or 401 and is logged; an
/// unknown message 404; a message in the middle of a delivery 409; an exception 500 with no detail
/// in the body (the log has it).</para>
/// </remarks>
public static class AdminApi
{
    /// <summary>Binds the admin endpoint and starts answering.</summary>
    public static async Task<WebApplication> StartAsync(GatehouseServer server, AdminConfig admin, ILogger logger)
    {
        // The endpoint reads no appsettings files, and the default reload-on-change would put a recursive inotify watch on
        // the working directory, where the spool often lives: every queue file created, renamed or deleted then woke a
        // watcher thread.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(admin.Address, admin.Port));
        var app = builder.Build();
        Map(app, server, new AdminAccess(admin), logger);
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            // A port in use: the server does not start, and nothing of the endpoint may stay behind.
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return app;
    }

    /// <summary>Adds the access check and every route to <paramref name="app"/>.</summary>
    public static void Map(WebApplication app, GatehouseServer server, AdminAccess access, ILogger logger)
    {
        app.Use((context, next) => GuardAsync(context, next, access, logger));

        app.MapGet("/healthz", () => Results.Text("ok\n"));
        TrackingApi.Map(app, server, logger);
        app.MapGet("/readyz", () => server.IsReady ? Results.Text("ready\n") : Results.Text("stopping\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/metrics", () => Results.Text(server.Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapPost("/reload", () =>
        {
            var r = server.Reload();
            return r.Ok ? Results.Text(r.Message + "\n") : Results.Text(r.Message + "\n", statusCode: StatusCodes.Status422UnprocessableEntity);
        });

        app.MapGet("/routes", () => Results.Json(RoutingTableReport.Of(server.CurrentRouting), RoutingJson.Relaxed.RoutingTableReport));
        app.MapGet("/route", (HttpContext c) => ExplainRoute(c, server));

        app.MapGet("/queue", (HttpContext c) =>
        {
            var items = server.Queue.List(Query(c, "destination"));
            var waiting = items.Sum(i => i.Recipients.Count(r => r.Status == "pending"));
            return Results.Json(new QueueListing(items, waiting), AdminJson.Relaxed.QueueListing);
        });
        app.MapGet("/queue/summary", () => Results.Json(server.Queue.Shape(), AdminJson.Relaxed.QueueShape));
        app.MapGet("/queue/{id}", (string id) =>
            server.Queue.Show(id) is { } item ? Results.Json(item, AdminJson.Relaxed.QueuedItem) : NotInQueue(id));
        app.MapPost("/queue/retry", (HttpContext c) => RetryMany(c, server.Queue, logger));
        app.MapPost("/queue/{id}/retry", (string id, HttpContext c) =>
        {
            if (!server.Queue.Retry(id)) return NotInQueue(id);
            Log.Admin(logger, Who(c), "retry", id);
            return Done(id, "retry");
        });
        app.MapPost("/queue/{id}/hold", (string id, HttpContext c) => Outcome(server.Queue.Hold(id, Who(c)), id, "hold"));
        app.MapPost("/queue/{id}/release", (string id, HttpContext c) => Outcome(server.Queue.Release(id, Who(c)), id, "release"));
        app.MapDelete("/queue/{id}", async (string id, HttpContext c) =>
        {
            if (!TryBool(Query(c, "bounce"), out var bounce)) return Error(StatusCodes.Status400BadRequest, "bounce must be true or false");
            var result = await server.Queue.DeleteAsync(id, bounce, Who(c)).ConfigureAwait(false);
            return Outcome(result, id, bounce ? "delete --bounce" : "delete");
        });
    }

    private static async Task GuardAsync(HttpContext context, RequestDelegate next, AdminAccess access, ILogger logger)
    {
        var request = context.Request;
        var remote = context.Connection.RemoteIpAddress;
        var verdict = access.Check(remote, request.Path.Value ?? "/", request.Headers.Authorization.ToString() is { Length: > 0 } h ? h : null);
        if (verdict != AdminVerdict.Allowed)
        {
            var (status, why) = verdict switch
            {
                AdminVerdict.NotLoopback => (StatusCodes.Status403Forbidden, "the admin API answers loopback clients only (servers.admin.allow_remote is false)"),
                AdminVerdict.NoToken => (StatusCodes.Status401Unauthorized, "this admin API needs Authorization: Bearer TOKEN (servers.admin.token)"),
                _ => (StatusCodes.Status401Unauthorized, "the bearer token is not the one in servers.admin.token"),
            };
            Log.AdminRefused(logger, request.Method, request.Path.Value ?? "/", Display(remote), status);
            // RFC 6750 §3: a 401 names the scheme, and says when the token itself was the problem.
            if (verdict == AdminVerdict.NoToken) context.Response.Headers.WWWAuthenticate = "Bearer";
            else if (verdict == AdminVerdict.WrongToken) context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            await WriteErrorAsync(context, status, why).ConfigureAwait(false);
            return;
        }
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            Log.AdminFailed(logger, request.Method, request.Path.Value ?? "/", e);
            if (context.Response.HasStarted) throw;
            context.Response.Clear();
            await WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error; the server log has the details").ConfigureAwait(false);
            return;
        }
        // Routing answers an unknown path (404) or method (405) with an empty body; every error here is JSON.
        if (!context.Response.HasStarted && context.Response.StatusCode is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed && context.Response.ContentType is null)
        {
            var why = context.Response.StatusCode == StatusCodes.Status404NotFound ? $"no such endpoint: {request.Path}" : $"{request.Method} is not allowed on {request.Path}";
            await WriteErrorAsync(context, context.Response.StatusCode, why).ConfigureAwait(false);
        }
    }

    /// <summary>The RCPT decision on <c>?address=</c> under the routing table in force, as <c>gatehouse route --json</c> prints it for a file.</summary>
    private static IResult ExplainRoute(HttpContext c, GatehouseServer server)
    {
        if (Query(c, "address") is not { } address) return Error(StatusCodes.Status400BadRequest, "say which recipient: ?address=user@domain");
        var question = new RouteQuestion(address, Query(c, "from"), Query(c, "local"), Query(c, "auth"), Query(c, "sender"));
        return RouteExplainer.Explain(server.CurrentRouting, question, out var error) is { } explanation
            ? Results.Json(explanation, RoutingJson.Relaxed.RouteExplanation)
            : Error(StatusCodes.Status400BadRequest, error!.Describe(""));
    }

    private static IResult RetryMany(HttpContext c, QueueManager queue, ILogger logger)
    {
        var destination = Query(c, "destination");
        if (!TryBool(Query(c, "all"), out var all)) return Error(StatusCodes.Status400BadRequest, "all must be true or false");
        if ((destination is null) == !all) return Error(StatusCodes.Status400BadRequest, "say which messages: ?destination=D or ?all=true (one of them)");
        var n = queue.RetryDestination(destination);
        Log.AdminRetry(logger, Who(c), destination ?? "(all)", n);
        return Results.Json(new QueueRetryResult(n), AdminJson.Relaxed.QueueRetryResult);
    }

    private static IResult Outcome(AdminResult result, string id, string action) => result switch
    {
        AdminResult.Done => Done(id, action),
        AdminResult.NotFound => NotInQueue(id),
        _ => Error(StatusCodes.Status409Conflict, $"message {id} is being delivered right now; try again in a moment"),
    };

    private static IResult Done(string id, string action) => Results.Json(new QueueActionResult(id, action), AdminJson.Relaxed.QueueActionResult);

    private static IResult NotInQueue(string id) => Error(StatusCodes.Status404NotFound, $"no message {id} in the queue");

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), AdminJson.Relaxed.AdminError, statusCode: status);

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new AdminError(message), AdminJson.Relaxed.AdminError, cancellationToken: context.RequestAborted);
    }

    /// <summary>The name the queue log gives the administrator: the API and the client's address.</summary>
    private static string Who(HttpContext c) => "admin-api from " + Display(c.Connection.RemoteIpAddress);

    private static string Display(IPAddress? a) => a is null ? "(unknown)" : (a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a).ToString();

    private static string? Query(HttpContext c, string name) => c.Request.Query[name].FirstOrDefault() is { Length: > 0 } v ? v : null;

    /// <summary>A query flag: absent is false; true/false/1/0 as given; anything else is refused rather than guessed.</summary>
    private static bool TryBool(string? text, out bool value)
    {
        value = false;
        if (text is null) return true;
        if (text == "1") return value = true;
        if (text == "0") return true;
        return bool.TryParse(text, out value);
    }
}
