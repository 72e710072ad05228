using System.Text.Json;

namespace Gatehouse.Server.Tests.Support;

/// <summary>What Python's <c>email</c> package makes of a delivery status notification: an independent parser's view.</summary>
public sealed record ParsedDsn(string ContentType, string? ReportType, IReadOnlyList<string> PartTypes, IReadOnlyDictionary<string, string> PerMessage,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Recipients, string HumanText, string? Subject, string? AutoSubmitted, string? To);

/// <summary>Parses messages with Python's standard <c>email</c> package.</summary>
public static class PythonEmail
{
    private const string Script = """
        import email, json, re, sys
        from email import policy
        msg = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
        out = {"content_type": msg.get_content_type(), "report_type": msg.get_param('report-type'),
               "subject": msg['Subject'], "auto_submitted": msg['Auto-Submitted'], "to": msg['To'],
               "parts": [], "per_message": {}, "recipients": [], "human": ""}
        if msg.is_multipart():
            parts = msg.get_payload()
            out["parts"] = [p.get_content_type() for p in parts]
            if parts and parts[0].get_content_type() == 'text/plain':
                out["human"] = parts[0].get_content()
            for p in parts:
                blocks = None
                if p.get_content_type() == 'message/delivery-status':
                    blocks = p.get_payload()
                elif p.get_content_type() == 'message/global-delivery-status':
                    # The package reads this RFC 6533 type as one embedded message: its header is the first block, its body the rest.
                    inner = p.get_payload(0)
                    rest = inner.get_payload(decode=True) or b''
                    blocks = [inner] + [email.message_from_bytes(b, policy=policy.default) for b in re.split(rb'\r?\n\r?\n', rest) if b.strip()]
                if blocks:
                    out["per_message"] = {k: str(v) for k, v in blocks[0].items()}
                    out["recipients"] = [{k: str(v) for k, v in b.items()} for b in blocks[1:]]
        print(json.dumps(out))
        """;

    public static async Task<ParsedDsn> ParseDsnAsync(byte[] message)
    {
        using var dir = new TempDirectory();
        var file = dir.Combine("dsn.eml");
        await File.WriteAllBytesAsync(file, message);
        var script = dir.Combine("parse.py");
        await File.WriteAllTextAsync(script, Script);
        var python = ChildProcess.Require("python3", "DSNs are checked with Python's email package");
        var r = await ChildProcess.RunAsync(python, [script, file], TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, "python could not parse the DSN\n" + r);
        var e = JsonDocument.Parse(r.StandardOutput).RootElement;
        static Dictionary<string, string> Fields(JsonElement o) => o.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.OrdinalIgnoreCase);
        return new ParsedDsn(
            e.GetProperty("content_type").GetString()!,
            e.GetProperty("report_type").GetString(),
            [.. e.GetProperty("parts").EnumerateArray().Select(p => p.GetString()!)],
            Fields(e.GetProperty("per_message")),
            [.. e.GetProperty("recipients").EnumerateArray().Select(Fields)],
            e.GetProperty("human").GetString()!,
            e.GetProperty("subject").GetString(),
            e.GetProperty("auto_submitted").GetString(),
            e.GetProperty("to").GetString());
    }
}
