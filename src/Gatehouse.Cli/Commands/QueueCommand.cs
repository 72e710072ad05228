using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gatehouse.Server.Hosting;

namespace Gatehouse.Cli.Commands;

/// <summary><c>gatehouse queue list|summary|show|retry|hold|release|delete</c>: the queue of a running server, through its admin API.</summary>
/// <remarks>
/// Every subcommand is one request (docs/admin-api.md). Exit 0 when the server did it; 1 when it
/// could not be reached, the message is not in the queue, or the server refused; 2 for a usage or
/// configuration error, such as a server without an admin section.
/// </remarks>
internal static class QueueCommand
{
    public static Command Create() => new("queue", "Look at and act on the queue of a running server (through its admin API).")
    {
        List(),
        Summary(),
        Show(),
        Retry(),
        OneMessage("hold", "Keep a message from being attempted until it is released.", "hold", id => $"{id}: held"),
        OneMessage("release", "Release a held message and attempt it now.", "release", id => $"{id}: released; attempting it now"),
        Delete(),
    };

    private static Command List()
    {
        var destination = new Option<string?>("--destination") { Description = "Only messages with a recipient waiting for this destination (a domain, host or server, or a key such as mx:example.org)." };
        var json = JsonOption();
        var cmd = new Command("list", "List the queued messages, like mailq: id (* being delivered, ! held), size, arrival, sender, and each waiting recipient with its destination and last result.") { destination, json };
        return WithAdmin(cmd, async (parse, client, ct) =>
        {
            var path = "queue" + (parse.GetValue(destination) is { } d ? "?destination=" + Uri.EscapeDataString(d) : "");
            if (await client.SendAsync(HttpMethod.Get, path, ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r);
            Console.Write(parse.GetValue(json) ? Indented(r.Body) : QueueText.Listing(JsonSerializer.Deserialize(r.Body, AdminJson.Default.QueueListing)!));
            return ExitCodes.Ok;
        });
    }

    private static Command Summary()
    {
        var json = JsonOption();
        var cmd = new Command("summary", "Messages per destination and age in minutes, like Postfix's qshape.") { json };
        return WithAdmin(cmd, async (parse, client, ct) =>
        {
            if (await client.SendAsync(HttpMethod.Get, "queue/summary", ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r);
            Console.Write(parse.GetValue(json) ? Indented(r.Body) : QueueText.Shape(JsonSerializer.Deserialize(r.Body, AdminJson.Default.QueueShape)!));
            return ExitCodes.Ok;
        });
    }

    private static Command Show()
    {
        var id = IdArgument();
        var json = JsonOption();
        var cmd = new Command("show", "Show one queued message: envelope, attempts, and every recipient's state.") { id, json };
        return WithAdmin(cmd, async (parse, client, ct) =>
        {
            var which = parse.GetValue(id)!;
            if (await client.SendAsync(HttpMethod.Get, "queue/" + Uri.EscapeDataString(which), ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r, which);
            Console.Write(parse.GetValue(json) ? Indented(r.Body) : QueueText.Message(JsonSerializer.Deserialize(r.Body, AdminJson.Default.QueuedItem)!));
            return ExitCodes.Ok;
        });
    }

    private static Command Retry()
    {
        var id = new Argument<string?>("ID") { Description = "Queue id of the message.", Arity = ArgumentArity.ZeroOrOne };
        var destination = new Option<string?>("--destination") { Description = "Every message with a recipient waiting for this destination." };
        var all = new Option<bool>("--all") { Description = "Every message in the queue." };
        var cmd = new Command("retry", "Attempt now, instead of at the next retry time: one message (ID), those for a destination (--destination D), or all (--all).") { id, destination, all };
        return WithAdmin(cmd, async (parse, client, ct) =>
        {
            var (one, dest, everything) = (parse.GetValue(id), parse.GetValue(destination), parse.GetValue(all));
            if ((one is null ? 0 : 1) + (dest is null ? 0 : 1) + (everything ? 1 : 0) != 1)
            {
                Console.Error.WriteLine("gatehouse: queue retry needs exactly one of ID, --destination D or --all");
                return ExitCodes.Usage;
            }
            if (one is not null)
            {
                if (await client.SendAsync(HttpMethod.Post, $"queue/{Uri.EscapeDataString(one)}/retry", ct) is not { } r1) return ExitCodes.Failure;
                if (!r1.Ok) return client.Fail(r1, one);
                Console.WriteLine($"{one}: attempting it now");
                return ExitCodes.Ok;
            }
            var query = dest is null ? "all=true" : "destination=" + Uri.EscapeDataString(dest);
            if (await client.SendAsync(HttpMethod.Post, "queue/retry?" + query, ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r);
            var n = JsonSerializer.Deserialize(r.Body, AdminJson.Default.QueueRetryResult)!.Retried;
            Console.WriteLine($"{n} {(n == 1 ? "message" : "messages")} attempted now");
            return ExitCodes.Ok;
        });
    }

    private static Command OneMessage(string name, string description, string action, Func<string, string> done)
    {
        var id = IdArgument();
        var cmd = new Command(name, description) { id };
        return WithAdmin(cmd, async (parse, client, ct) =>
        {
            var which = parse.GetValue(id)!;
            if (await client.SendAsync(HttpMethod.Post, $"queue/{Uri.EscapeDataString(which)}/{action}", ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r, which);
            Console.WriteLine(done(which));
            return ExitCodes.Ok;
        });
    }

    private static Command Delete()
    {
        var id = IdArgument();
        var bounce = new Option<bool>("--bounce") { Description = "First send the sender a delivery status notification (failed) for the recipients not yet delivered." };
        var cmd = new Command("delete", "Remove a message from the queue; without --bounce nobody is told.") { id, bounce };
        return WithAdmin(cmd, async (parse, client, ct) =>
        {
            var which = parse.GetValue(id)!;
            var withBounce = parse.GetValue(bounce);
            if (await client.SendAsync(HttpMethod.Delete, $"queue/{Uri.EscapeDataString(which)}?bounce={(withBounce ? "true" : "false")}", ct) is not { } r) return ExitCodes.Failure;
            if (!r.Ok) return client.Fail(r, which);
            Console.WriteLine(withBounce ? $"{which}: deleted; the sender is sent a delivery status notification" : $"{which}: deleted");
            return ExitCodes.Ok;
        });
    }

    private static Argument<string> IdArgument() => new("ID") { Description = "Queue id of the message (as in `queue list` and the logs)." };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print the admin API's JSON." };

    /// <summary>Adds the admin options and an action that runs only when they name a reachable API.</summary>
    private static Command WithAdmin(Command cmd, Func<ParseResult, AdminClient, CancellationToken, Task<int>> action)
    {
        var admin = new AdminOptions();
        admin.AddTo(cmd);
        cmd.SetAction(async (parse, ct) =>
        {
            using var client = admin.Resolve(parse);
            if (client is null) return ExitCodes.Usage;
            return await action(parse, client, ct);
        });
        return cmd;
    }

    /// <summary>The API's JSON as it came, indented for a terminal; addresses keep their + and &lt;&gt;.</summary>
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
