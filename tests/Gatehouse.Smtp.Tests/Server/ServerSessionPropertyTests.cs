using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Smtp.Commands;
using Gatehouse.Smtp.Server;
using Gatehouse.Smtp.Tests.Support;

namespace Gatehouse.Smtp.Tests.Server;

public class ServerSessionPropertyTests
{
    private static readonly string[] Verbs = ["EHLO c", "HELO c", "MAIL FROM:", "RCPT TO:", "DATA", "BDAT 5", "BDAT 0 LAST", "RSET", "STARTTLS", "AUTH PLAIN", "AUTH LOGIN", "NOOP", "VRFY x", "HELP"];

    // Fragments on the decision points of path and parameter parsing.
    private static readonly string[] Fragments =
    [
        "<", ">", "<>", "@", "\"", "\\", "[", "]", ":", ",", " ", "=", "a", "example.com", "other.example", "Postmaster",
        "IPv6:::1", "127.0.0.1", "SIZE=", "99999", "BODY=8BITMIME", "SMTPUTF8", "NOTIFY=NEVER", "ORCPT=rfc822;", "+40", "é", "*", "AGJvYgBzZWNyZXQ=",
    ];

    private static readonly Gen<string> Line =
        from verb in Gen.Elements(Verbs)
        from rest in Gen.Elements(Fragments).ListOf()
        select verb + string.Concat(rest);

    [Fact]
    public void Hostile_dialogues_never_throw_and_keep_the_invariants()
    {
        Check.One(Properties.Deterministic(1500), Prop.ForAll(Line.ListOf().ToArbitrary(), Gen.Elements(true, false).ToArbitrary(), (lines, submission) =>
        {
            var options = Transcript.Options() with { RequireAuth = submission };
            var session = new ServerSession(options);
            var last = default(SessionStep);
            foreach (var line in lines)
            {
                if (last.Action == SessionAction.AuthContinue)
                {
                    last = session.OnAuthResponse(line);
                }
                else
                {
                    if (!SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var command, out _)) continue;
                    last = session.OnCommand(command);
                }
                if (last.Action == SessionAction.StartTls) session.OnTlsStarted();
                if (last.Action == SessionAction.ReceiveData || (last.Action == SessionAction.ReceiveChunk && last.LastChunk && !last.DiscardChunk)) session.ResetTransaction();
                Assert.True(last.Reply is not null || last.Action == SessionAction.ReceiveChunk);
                Assert.InRange(session.RecipientCount, 0, options.MaxRecipients);
                if (session.InTransaction)
                {
                    Assert.NotNull(session.Helo);
                    if (submission) Assert.NotNull(session.AuthenticatedUser);
                }
                if (session.AuthenticatedUser is not null) Assert.True(session.TlsActive);
                if (last.Action == SessionAction.Close) break;
            }
        }));
    }
}
