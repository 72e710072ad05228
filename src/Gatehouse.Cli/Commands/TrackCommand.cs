using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gatehouse.Server.Hosting;
using Gatehouse.Server.Tracking;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse track</c>: where a message went and why, on every server of the organization, through a server's admin API (<c>GET /track</c>).</summary>
/// <remarks>
/// One request; the server asked merges the answers of the others (unless <c>--local</c>). Exit 0
/// when the search was answered, found or not ("no messages found"); 1 when the server could not
/// be reached or refused, or no server at all could search; 2 for a usage or configuration error.
/// Servers that did not answer are listed after the timelines: a missing hop is named, never hidden.
/// </remarks>
internal static class TrackCommand
{
    public static Command Create()
    {
        var messageId = new Option<string?>("--message-id") { Description = "The Message-ID header field, with or without <>." };
        var sender = new Option<string?>("--sender") { Description = "The envelope sender (case does not matter)." };
        var recipient = new Option<string?>("--recipient") { Description = "A recipient, as the sender gave it or as a server rewrote it (case does not matter)." };
        var since = new Option<string?>("--since") { Description = "Messages seen at or after this time: ISO 8601 (2025-11-23T09:00, local time unless an offset is given) or a duration ago (30m, 2h, 1d)." };
        var until = new Option<string?>("--until") { Description = "Messages seen at or before this time (as --since)." };
        var limit = new Option<int?>("--limit") { Description = $"At most this many messages, the most recent (default 1000, at most {TrackingQuery.MaxLimit})." };
        var json = new Option<bool>("--json") { Description = "Print the admin API's JSON." };
        var local = new Option<bool>("--local") { Description = "Search only the server asked, not the whole organization." };
        var cmd = new Command("track", "Show the timeline of messages (received, resolved, routed, transferred, delivered, deferred, failed) across the servers of the organization.")
        {
            messageId, sender, recipient, since, until, limit, json, local,
        };
        var admin = new AdminOptions();
        admin.AddTo(cmd);
        cmd.SetAction(async (parse, ct) =>
        {
            var now = DateTimeOffset.Now;
            DateTimeOffset? from = null, to = null;
            if (parse.GetValue(since) is { } s)
            {
                if (!TrackingQuery.TryParseTime(s, now, DateTimeStyles.AssumeLocal, out var t)) return Usage($"--since '{s}' is not a time: ISO 8601 (2025-11-23T09:00) or a duration ago (30m, 2h, 1d)");
                from = t;
            }
            if (parse.GetValue(until) is { } u)
            {
                if (!TrackingQuery.TryParseTime(u, now, DateTimeStyles.AssumeLocal, out var t)) return Usage($"--until '{u}' is not a time: ISO 8601 (2025-11-23T09:00) or a duration ago (30m, 2h, 1d)");
                to = t;
            }
            var n = parse.GetValue(limit) ?? 1000;
            if (n is < 1 or > TrackingQuery.MaxLimit) return Usage($"--limit must be from 1 to {TrackingQuery.MaxLimit}");
            var query = new TrackingQuery(parse.GetValue(messageId), parse.GetValue(sender), parse.GetValue(recipient), from?.ToUniversalTime(), to?.ToUniversalTime(), n);
            if (!query.HasCriteria) return Usage("say what to look for: --message-id, --sender, --recipient, --since or --until");

            using var client = admin.Resolve(parse);
            if (client is null) return ExitCodes.Usage;
            var path = "track?" + TrackingApi.QueryString(query) + "&scope=" + (parse.GetValue(local) ? "local" : "organization");
            if (await client.SendAsync(HttpMethod.Get, path, ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r);
            TrackingSearchResult result;
            try
            {
                result = JsonSerializer.Deserialize(r.Body, TrackingJson.Relaxed.TrackingSearchResult)!;
            }
            catch (JsonException)
            {
                Console.Error.WriteLine($"gatehouse: the admin API at {client.BaseUrl} answered with something other than a tracking search result");
                return ExitCodes.Failure;
            }
            Console.Write(parse.GetValue(json) ? Indented(r.Body) : TrackText.Timelines(result));
            // Nobody could search (the server's own log unreadable, every other server down): that is not "nothing found".
            return result.Servers.Count == 0 ? ExitCodes.Failure : ExitCodes.Ok;
        });
        return cmd;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine("gatehouse: track: " + message);
        return ExitCodes.Usage;
    }

    private static string Indented(string body)
    {
        using var doc = JsonDocument.Parse(body);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            doc.WriteTo(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
