using System.Net;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Server.Logging;

/// <summary>Every log event of the server, with a stable numeric id (ranges: 1xxx host, 2xxx SMTP, 3xxx spool, 4xxx delivery).</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Gatehouse {Version} server {Server} starting; configuration {Config}")]
    public static partial void Starting(ILogger logger, string version, string server, string config);

    [LoggerMessage(1001, LogLevel.Information, "Listening for SMTP on {Endpoint} ({Listener}, role {Role})")]
    public static partial void Listening(ILogger logger, IPEndPoint endpoint, string listener, string role);

    [LoggerMessage(1002, LogLevel.Information, "Admin endpoint on http://{Endpoint}")]
    public static partial void AdminListening(ILogger logger, string endpoint);

    [LoggerMessage(1003, LogLevel.Information, "Stopping: no new connections; sessions in a message have {Grace} to finish")]
    public static partial void Stopping(ILogger logger, TimeSpan grace);

    [LoggerMessage(1004, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(1005, LogLevel.Warning, "TLS certificate could not be loaded; STARTTLS and AUTH are off: {Reason}")]
    public static partial void NoCertificate(ILogger logger, string reason);

    [LoggerMessage(1006, LogLevel.Warning, "configuration notice: {Notice}")]
    public static partial void ConfigNotice(ILogger logger, string notice);

    [LoggerMessage(1007, LogLevel.Information, "{Message}")]
    public static partial void Reloaded(ILogger logger, string message);

    [LoggerMessage(1008, LogLevel.Error, "reload: {Error}")]
    public static partial void ReloadError(ILogger logger, string error);

    [LoggerMessage(1009, LogLevel.Error, "{Message}")]
    public static partial void ReloadFailed(ILogger logger, string message);

    [LoggerMessage(1010, LogLevel.Warning, "admin API: {Method} {Path} from {Remote} refused with {Status}")]
    public static partial void AdminRefused(ILogger logger, string method, string path, string remote, int status);

    [LoggerMessage(1011, LogLevel.Error, "admin API: {Method} {Path} failed")]
    public static partial void AdminFailed(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(1012, LogLevel.Information, "admin {Who}: retry {Which}: {Count} messages attempted now")]
    public static partial void AdminRetry(ILogger logger, string who, string which, int count);

    [LoggerMessage(2000, LogLevel.Information, "session client={Client} listener={Listener} helo={Helo} tls={Tls} auth={Auth} from={From} rcpts={Recipients} size={Size} queued={QueueIds} result=\"{Result}\" duration={DurationMs}ms")]
    public static partial void SessionSummary(ILogger logger, string client, string listener, string helo, string tls, string auth, string from, int recipients, long size, string queueIds, string result, long durationMs);

    [LoggerMessage(2001, LogLevel.Information, "queued {QueueId} from={From} rcpts={Recipients} size={Size} client={Client}")]
    public static partial void MessageQueued(ILogger logger, string queueId, string from, int recipients, long size, string client);

    [LoggerMessage(2002, LogLevel.Information, "refused connection from {Client}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, string client, string reason);

    [LoggerMessage(2003, LogLevel.Debug, "TLS handshake with {Client} failed: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string client, string reason);

    [LoggerMessage(2004, LogLevel.Error, "session with {Client} failed")]
    public static partial void SessionFailed(ILogger logger, string client, Exception e);

    [LoggerMessage(3000, LogLevel.Information, "spool {Root}: {Queued} messages queued, {Dropped} unacknowledged partial messages removed, {Corrupt} damaged files moved to corrupt/; sync {Method}")]
    public static partial void SpoolRecovered(ILogger logger, string root, int queued, int dropped, int corrupt, string method);

    [LoggerMessage(3001, LogLevel.Error, "could not store message {QueueId}; the client was told 451")]
    public static partial void StoreFailed(ILogger logger, string queueId, Exception e);

    [LoggerMessage(4000, LogLevel.Information, "{QueueId}: to=<{Recipient}> via {Hop}: delivered: {Reply}")]
    public static partial void Delivered(ILogger logger, string queueId, string recipient, string hop, string reply);

    [LoggerMessage(4001, LogLevel.Information, "{QueueId}: to=<{Recipient}> via {Hop}: deferred: {Reply}")]
    public static partial void Deferred(ILogger logger, string queueId, string recipient, string hop, string reply);

    [LoggerMessage(4002, LogLevel.Information, "{QueueId}: to=<{Recipient}> via {Hop}: failed: {Reply}")]
    public static partial void Failed(ILogger logger, string queueId, string recipient, string hop, string reply);

    [LoggerMessage(4003, LogLevel.Information, "{DsnId}: delivery status notification for {QueueId} to {Sender} ({Recipients} recipients)")]
    public static partial void NoticeQueued(ILogger logger, string dsnId, string queueId, string sender, int recipients);

    [LoggerMessage(4004, LogLevel.Error, "{QueueId}: could not store a delivery status notification ({Reason}); the failed recipients stay queued")]
    public static partial void NoticeFailed(ILogger logger, string queueId, string reason);

    [LoggerMessage(4005, LogLevel.Warning, "next hop {Key} marked down: routing fails over to the next-cheapest route")]
    public static partial void HopDown(ILogger logger, string key);

    [LoggerMessage(4006, LogLevel.Information, "next hop {Key} marked up")]
    public static partial void HopUp(ILogger logger, string key);

    [LoggerMessage(4007, LogLevel.Information, "{Destination}: could not use {Host} [{Endpoint}]: {Reply}")]
    public static partial void ConnectFailed(ILogger logger, string destination, string host, string endpoint, string reply);

    [LoggerMessage(4008, LogLevel.Error, "{QueueId}: delivery to {Destination} failed unexpectedly; the recipients are deferred")]
    public static partial void DeliveryCrashed(ILogger logger, string queueId, string destination, Exception exception);

    [LoggerMessage(4009, LogLevel.Warning, "{QueueId}: queue state damaged ({Reason}); every recipient will be tried again")]
    public static partial void StateDamaged(ILogger logger, string queueId, string reason);

    [LoggerMessage(4010, LogLevel.Error, "{QueueId}: could not save queue state ({Reason})")]
    public static partial void StateNotSaved(ILogger logger, string queueId, string reason);

    [LoggerMessage(4011, LogLevel.Information, "admin {Who}: {Action} {QueueId}")]
    public static partial void Admin(ILogger logger, string who, string action, string queueId);
}
