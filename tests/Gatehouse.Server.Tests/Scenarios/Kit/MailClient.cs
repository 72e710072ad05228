using System.Net;
using System.Text.Json;
using Gatehouse.Server.Tests.Support;

namespace Gatehouse.Server.Tests.Scenarios.Kit;

/// <summary>A reply as the client saw it.</summary>
public sealed record ClientReply(int Code, string Text)
{
    public override string ToString() => $"{Code} {Text}";
}

/// <summary>What tests/support/peers/send_mail.py (Python's smtplib) saw of one transaction: every reply, RCPT by RCPT.</summary>
public sealed record MailResult(ClientReply? Mail, ClientReply? Auth, IReadOnlyList<(string Address, ClientReply Reply)> Recipients, ClientReply? Data, string? Error, string Transcript)
{
    /// <summary>The server took the message (DATA answered 250) for at least one recipient.</summary>
    public bool Queued => Data?.Code == 250;

    public ClientReply Rcpt(string address) => Recipients.Single(r => r.Address == address).Reply;

    public override string ToString() => Transcript;
}

/// <summary>What a scenario client sends: envelope, optional authentication, and the message (a small one made up when null).</summary>
public sealed record MailRequest(string From, IReadOnlyList<string> To)
{
    /// <summary>The loopback address the client connects from: who it is (an Internet host, an internal host) in the story.</summary>
    public string? Source { get; init; }

    public string? Auth { get; init; }

    public bool StartTls { get; init; }

    public bool SmtpUtf8 { get; init; }

    public bool EightBit { get; init; }

    public string? Message { get; init; }
}

/// <summary>The real clients of a scenario: Python's smtplib and swaks.</summary>
public static class MailClient
{
    /// <summary>Sends with smtplib from <see cref="MailRequest.Source"/>; RCPT goes out for every recipient even after refusals.</summary>
    public static async Task<MailResult> SendAsync(IPEndPoint server, MailRequest request, TempDirectory scratch)
    {
        var python = ChildProcess.Require("python3", "the scenario tests send mail with Python's smtplib");
        List<string> args = ["-u", Repository.File("tests", "support", "peers", "send_mail.py"), "--server", $"{server.Address}:{server.Port}", "--from", request.From];
        foreach (var to in request.To) args.AddRange(["--to", to]);
        if (request.Source is not null) args.AddRange(["--source", request.Source]);
        if (request.Auth is not null) args.AddRange(["--auth", request.Auth]);
        if (request.StartTls) args.Add("--starttls");
        if (request.SmtpUtf8) args.Add("--smtputf8");
        if (request.EightBit) args.Add("--eightbit");
        if (request.Message is not null)
        {
            var file = scratch.Combine($"message-{Guid.NewGuid():N}.eml");
            await File.WriteAllTextAsync(file, request.Message);
            args.AddRange(["--message", file]);
        }
        var run = await ChildProcess.RunAsync(python, args, TimeSpan.FromSeconds(120));
        var json = run.StandardOutput.Trim();
        if (json.Length == 0) Assert.Fail($"send_mail.py printed nothing\n{run}");
        var e = JsonDocument.Parse(json).RootElement;
        static ClientReply? R(JsonElement e, string name) =>
            e.TryGetProperty(name, out var r) && r.ValueKind == JsonValueKind.Array ? new ClientReply(r[0].GetInt32(), r[1].GetString()!) : null;
        List<(string, ClientReply)> rcpts = [];
        if (e.TryGetProperty("rcpt", out var rs))
        {
            foreach (var r in rs.EnumerateArray()) rcpts.Add((r[0].GetString()!, new ClientReply(r[1].GetInt32(), r[2].GetString()!)));
        }
        var error = e.TryGetProperty("error", out var err) ? err.GetString() : null;
        var transcript = $"smtplib {request.Source ?? "(any)"} -> {server}: MAIL FROM:<{request.From}> {R(e, "mail")}\n"
            + string.Concat(rcpts.Select(r => $"  RCPT TO:<{r.Item1}> {r.Item2}\n"))
            + $"  DATA {R(e, "data")?.ToString() ?? "(not sent)"}{(error is null ? "" : "\n  error: " + error)}\n";
        return new MailResult(R(e, "mail"), R(e, "auth"), rcpts, R(e, "data"), error, transcript);
    }

    /// <summary>Runs swaks against a server; the arguments are swaks's own (the server is added).</summary>
    public static Task<ProcessResult> SwaksAsync(IPEndPoint server, params string[] arguments)
    {
        var swaks = ChildProcess.Require("swaks", "the scenario tests use swaks as an SMTP client");
        return ChildProcess.RunAsync(swaks, ["--server", $"{server.Address}:{server.Port}", "--timeout", "60", .. arguments], TimeSpan.FromSeconds(120));
    }
}
