using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gatehouse.Server.Delivery;

namespace Gatehouse.Server.Hosting;

/// <summary>The body of every admin API error: <c>{"error": "..."}</c>.</summary>
public sealed record AdminError(string Error);

/// <summary>The body of <c>GET /queue</c>: the messages, oldest first, and how many recipients wait.</summary>
public sealed record QueueListing(IReadOnlyList<QueuedItem> Messages, int RecipientsWaiting);

/// <summary>The body of a queue command on one message: which, and what was done (<c>retry</c>, <c>hold</c>, <c>release</c>, <c>delete</c>, <c>delete --bounce</c>).</summary>
public sealed record QueueActionResult(string Id, string Action);

/// <summary>The body of <c>POST /queue/retry</c>: how many messages are attempted now.</summary>
public sealed record QueueRetryResult(int Retried);

/// <summary>The admin API's JSON: camelCase, nulls written (a field is always there), and addresses readable.</summary>
/// <remarks>The CLI reads the answers with the same context, so both sides agree on every name.</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AdminError))]
[JsonSerializable(typeof(QueueListing))]
[JsonSerializable(typeof(QueuedItem))]
[JsonSerializable(typeof(QueueShape))]
[JsonSerializable(typeof(QueueActionResult))]
[JsonSerializable(typeof(QueueRetryResult))]
public sealed partial class AdminJson : JsonSerializerContext
{
    /// <summary>The context the API writes with: relaxed escaping keeps <c>+</c>, <c>&lt;</c> and <c>&gt;</c> of addresses as they are (the body is JSON, never HTML).</summary>
    public static AdminJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
}
