using System.Text;
using Gatehouse.Core.Protocol;
using Gatehouse.Smtp.Commands;
using Gatehouse.Smtp.Server;

namespace Gatehouse.Smtp.Tests.Server;

/// <summary>Drives a <see cref="ServerSession"/> the way the I/O shell does, so tests read like wire transcripts.</summary>
/// <remarks>
/// <c>Send</c> feeds one client line (a SASL response when the last step asked for one);
/// <c>Expect</c> checks the start of the last line of the reply, e.g. "250 2.1.0" or "250" for a
/// multi-line EHLO reply. <see cref="Play"/> runs a whole dialogue written with "C:" and "S:" lines.
/// </remarks>
internal sealed class Transcript
{
    public const string Hostname = "mx.example";
    public const string User = "bob";
    public const string Password = "secret";

    private readonly StringBuilder _log = new();

    public Transcript(ServerSessionOptions? options = null)
    {
        Session = new ServerSession(options ?? Options());
    }

    public ServerSession Session { get; }

    public SessionStep Last { get; private set; }

    /// <summary>Options of a plain inbound listener for example.com that has TLS and one user.</summary>
    public static ServerSessionOptions Options() => new()
    {
        Hostname = Hostname,
        MaxMessageSize = 10_000,
        MaxRecipients = 3,
        TlsAvailable = true,
        AuthAvailable = true,
        // The session only asks; deciding is the router's job (tested in Core). A stand-in: example.com and <postmaster> are ours.
        CheckRecipient = static m => m.Domain == "example.com" || (m.Domain.Length == 0 && m.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            ? null
            : Replies.RelayDenied,
        VerifyCredentials = static (user, password) => user == User && password == Password,
    };

    public Transcript Send(string line)
    {
        _log.Append("C: ").Append(line).Append('\n');
        if (Last.Action == SessionAction.AuthContinue)
        {
            Last = Session.OnAuthResponse(line);
        }
        else
        {
            Assert.True(SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command, out var error), error);
            Last = Session.OnCommand(command);
        }
        var reply = Last.Reply?.ToWire().TrimEnd('\r', '\n') ?? "(no reply)";
        foreach (var r in reply.Split("\r\n")) _log.Append("S: ").Append(r).Append('\n');
        return this;
    }

    /// <summary>Checks that the final line of the last reply starts with <paramref name="reply"/>.</summary>
    public Transcript Expect(string reply)
    {
        Assert.True(Last.Reply is not null, $"expected '{reply}' but there was no reply\n{_log}");
        var wire = Last.Reply.ToWire();
        var lastLine = wire.TrimEnd('\r', '\n').Split("\r\n")[^1];
        Assert.True(lastLine.StartsWith(reply, StringComparison.Ordinal), $"expected '{reply}'\n{_log}");
        return this;
    }

    public Transcript ExpectNoReply()
    {
        Assert.True(Last.Reply is null, $"expected no reply\n{_log}");
        return this;
    }

    public Transcript ExpectAction(SessionAction action)
    {
        Assert.True(action == Last.Action, $"expected {action}, got {Last.Action}\n{_log}");
        return this;
    }

    /// <summary>The shell finished the TLS handshake.</summary>
    public Transcript TlsStarted()
    {
        _log.Append("-- TLS handshake --\n");
        Session.OnTlsStarted();
        return this;
    }

    /// <summary>The shell read the content and answered for it; the transaction is over.</summary>
    public Transcript MessageTaken()
    {
        _log.Append("-- message content --\n");
        Session.ResetTransaction();
        return this;
    }

    /// <summary>Runs a dialogue: "C: line" is sent, "S: reply" is expected, "-- tls" and "-- message" are shell events.</summary>
    public Transcript Play(string dialogue)
    {
        foreach (var raw in dialogue.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            if (line.StartsWith("C: ", StringComparison.Ordinal)) Send(line[3..]);
            else if (line.StartsWith("S: ", StringComparison.Ordinal)) Expect(line[3..]);
            else if (line == "-- tls") TlsStarted();
            else if (line == "-- message") MessageTaken();
            else throw new ArgumentException($"not a transcript line: '{line}'", nameof(dialogue));
        }
        return this;
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public override string ToString() => _log.ToString();
}
