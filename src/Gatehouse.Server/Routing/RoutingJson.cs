using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gatehouse.Server.Routing;

/// <summary>The JSON of the routing answers, shared by the admin API (<c>/routes</c>, <c>/route</c>) and the CLI (<c>routes --json</c>, <c>route --json</c>) so both print the same document.</summary>
/// <remarks>camelCase, nulls written, and relaxed escaping: addresses keep their <c>+</c>, <c>&lt;</c> and <c>&gt;</c> (the output is JSON, never HTML).</remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RoutingTableReport))]
[JsonSerializable(typeof(RouteExplanation))]
public sealed partial class RoutingJson : JsonSerializerContext
{
    /// <summary>Compact, for the admin API.</summary>
    public static RoutingJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Indented, for a terminal.</summary>
    public static RoutingJson Indented { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true });
}
