using System.Text;
using System.Text.Json;
using Gatehouse.Core.Tests.Support;
using Xunit.Sdk;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>A notice as Python's <c>email</c> package reads it: the independent parser the DSN tests check against.</summary>
internal sealed record PyMessage(string ContentType, string? ReportType, string? Boundary, List<List<string>> Fields, List<string> Defects, List<PyPart> Parts)
{
    public string? Field(string name) => PyFields.First(Fields, name);
}

/// <summary>One body part of a notice as Python reads it; which members are set depends on its type.</summary>
internal sealed record PyPart(string ContentType, List<List<string>> Fields, string? Text, List<List<List<string>>>? Blocks, List<List<string>>? InnerFields, string? InnerBody)
{
    public string? Field(string name) => PyFields.First(Fields, name);

    /// <summary>The recipient blocks of a message/delivery-status part (the first block holds the per-message fields).</summary>
    public List<List<List<string>>> RecipientBlocks => Blocks is { Count: > 0 } b ? b.Skip(1).ToList() : [];
}

internal static class PyFields
{
    public static string? First(List<List<string>> fields, string name) =>
        fields.FirstOrDefault(f => f[0].Equals(name, StringComparison.OrdinalIgnoreCase))?[1];

    public static int Count(List<List<string>> fields, string name) =>
        fields.Count(f => f[0].Equals(name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Parses a notice with python3 and runs assertions on the result, showing the notice and Python's view when one fails.</summary>
internal static class PythonDsn
{
    private const string Script = """
        import sys, json, re, email
        from email import policy
        msg = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
        def fields(m):
            return [[k, str(v)] for k, v in m.items()]
        parts = []
        for part in (msg.get_payload() if msg.is_multipart() else []):
            ct = part.get_content_type()
            info = {'content_type': ct, 'fields': fields(part), 'text': None, 'blocks': None, 'inner_fields': None, 'inner_body': None}
            if ct == 'message/delivery-status':
                info['blocks'] = [fields(b) for b in part.get_payload()]
            elif ct == 'message/global-delivery-status':
                # The package reads this type as one embedded message: its header is the first block, its body the rest.
                inner = part.get_payload(0)
                rest = inner.get_payload(decode=True) or b''
                blocks = [b for b in re.split(rb'\r?\n\r?\n', rest) if b.strip()]
                info['blocks'] = [fields(inner)] + [fields(email.message_from_bytes(b, policy=policy.default)) for b in blocks]
            elif ct in ('message/rfc822', 'message/global', 'message/global-headers'):
                inner = part.get_payload(0)
                info['inner_fields'] = fields(inner)
                body = inner.get_payload(decode=True)
                info['inner_body'] = body.decode('utf-8', 'replace') if body is not None else None
            else:
                raw = part.get_payload(decode=True)
                info['text'] = raw.decode(part.get_content_charset() or 'utf-8', 'replace')
            parts.append(info)
        print(json.dumps({
            'content_type': msg.get_content_type(),
            'report_type': msg.get_param('report-type'),
            'boundary': msg.get_boundary(),
            'fields': fields(msg),
            'defects': [type(d).__name__ for p in msg.walk() for d in p.defects],
            'parts': parts,
        }))
        """;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static async Task Check(byte[] dsn, Action<PyMessage> assertions)
    {
        var result = await PythonRunner.RunAsync(Script, dsn);
        try
        {
            Assert.True(result.ExitCode == 0, "python3 failed");
            var message = JsonSerializer.Deserialize<PyMessage>(result.StandardOutput, Json) ?? throw new XunitException("python3 printed null");
            assertions(message);
        }
        catch (Exception e) when (e is XunitException or JsonException)
        {
            throw new XunitException($"{e.Message}\n--- the notice\n{Encoding.UTF8.GetString(dsn)}\n--- python3\n{result}", e);
        }
    }
}
