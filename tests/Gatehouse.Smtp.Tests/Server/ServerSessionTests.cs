using System.Net;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Envelope;
using Gatehouse.Smtp.Server;

namespace Gatehouse.Smtp.Tests.Server;

public class ServerSessionTests
{
    private static Transcript Session(ServerSessionOptions? options = null) => new(options);

    // Base64 of "\0bob\0secret" and "\0bob\0wrong" (RFC 4616 PLAIN), "bob", "secret", "wrong".
    private const string PlainGood = "AGJvYgBzZWNyZXQ=";
    private const string PlainBad = "AGJvYgB3cm9uZw==";

    [Fact]
    public void A_whole_transaction()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250 HELP
            C: MAIL FROM:<alice@client.example>
            S: 250 2.1.0
            C: RCPT TO:<bob@example.com>
            S: 250 2.1.5
            C: RCPT TO:<Postmaster>
            S: 250 2.1.5
            C: DATA
            S: 354
            """);
        t.ExpectAction(SessionAction.ReceiveData);
        Assert.True(t.Session.InTransaction);
        Assert.Equal(2, t.Session.RecipientCount);
        Assert.Equal(new Mailbox("alice", "client.example"), t.Session.ReversePath);
        t.Play("""
            -- message
            C: MAIL FROM:<>
            S: 250 2.1.0
            C: QUIT
            S: 221 2.0.0 mx.example closing connection
            """).ExpectAction(SessionAction.Close);
        Assert.Equal(0, t.Session.ErrorCount);
    }

    [Fact]
    public void Ehlo_advertises_the_extensions()
    {
        var t = Session().Send("EHLO client.example").Expect("250 HELP");
        Assert.Equal(
            ["mx.example greets client.example", "PIPELINING", "SIZE 10000", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN", "CHUNKING", "STARTTLS", "HELP"],
            t.Last.Reply!.Lines);
        Assert.Null(t.Last.Reply.Status);
        Assert.True(t.Session.Esmtp);
        Assert.Equal("client.example", t.Session.Helo);
    }

    [Fact]
    public void Auth_is_advertised_only_under_tls_and_starttls_only_before()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            -- tls
            C: EHLO client.example
            S: 250 HELP
            """);
        Assert.Contains("AUTH PLAIN LOGIN", t.Last.Reply!.Lines);
        Assert.DoesNotContain("STARTTLS", t.Last.Reply.Lines);
    }

    [Fact]
    public void Without_a_certificate_there_is_no_starttls_and_no_auth()
    {
        var t = Session(Transcript.Options() with { TlsAvailable = false }).Send("EHLO client.example");
        Assert.DoesNotContain("STARTTLS", t.Last.Reply!.Lines);
        Assert.DoesNotContain(t.Last.Reply.Lines, l => l.StartsWith("AUTH", StringComparison.Ordinal));
        t.Play("""
            C: STARTTLS
            S: 454 4.7.0
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 530 5.7.0
            """);
    }

    [Fact]
    public void Helo_gets_a_plain_reply_and_no_parameters()
    {
        var t = Session().Send("HELO client.example").Expect("250 mx.example");
        Assert.Null(t.Last.Reply!.Status);
        Assert.False(t.Session.Esmtp);
        t.Play("""
            C: MAIL FROM:<a@client.example> SIZE=10
            S: 501 5.5.4
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: RCPT TO:<b@example.com> NOTIFY=NEVER
            S: 501 5.5.4
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 503 5.5.1
            """);
    }

    [Theory]
    [InlineData("EHLO")]
    [InlineData("EHLO ")]
    [InlineData("EHLO two words")]
    [InlineData("HELO")]
    public void Hello_needs_one_argument(string line) =>
        Session().Send(line).Expect("501 5.5.4");

    [Fact]
    public void Hello_longer_than_a_domain_is_refused() =>
        Session().Send("EHLO " + new string('a', 256)).Expect("501 5.5.4");

    // Sequence errors: each line is a session that has seen "setup" and then sends "command".
    [Theory]
    [InlineData("", "MAIL FROM:<a@client.example>", "503 5.5.1")]
    [InlineData("", "RCPT TO:<b@example.com>", "503 5.5.1")]
    [InlineData("", "DATA", "503 5.5.1")]
    [InlineData("", "STARTTLS", "503 5.5.1")]
    [InlineData("", "AUTH PLAIN", "503 5.5.1")]
    [InlineData("EHLO c", "RCPT TO:<b@example.com>", "503 5.5.1")]
    [InlineData("EHLO c", "DATA", "503 5.5.1")]
    [InlineData("EHLO c|MAIL FROM:<a@c.example>", "MAIL FROM:<a@c.example>", "503 5.5.1")]
    [InlineData("EHLO c|MAIL FROM:<a@c.example>", "DATA", "554 5.5.1")]
    [InlineData("EHLO c|MAIL FROM:<a@c.example>|RCPT TO:<x@other.example>", "DATA", "554 5.5.1")]
    [InlineData("EHLO c|MAIL FROM:<a@c.example>|RSET", "RCPT TO:<b@example.com>", "503 5.5.1")]
    [InlineData("EHLO c|MAIL FROM:<a@c.example>|EHLO c", "RCPT TO:<b@example.com>", "503 5.5.1")]
    [InlineData("EHLO c|MAIL FROM:<a@c.example>", "MAIL garbage", "503 5.5.1")] // sequence before syntax
    [InlineData("", "RCPT garbage", "503 5.5.1")]
    public void Commands_out_of_sequence(string setup, string command, string reply)
    {
        var t = Session();
        foreach (var line in setup.Split('|', StringSplitOptions.RemoveEmptyEntries)) t.Send(line);
        t.Send(command).Expect(reply);
    }

    [Theory]
    [InlineData("MAIL FROM:<a@client.example>", "250 2.1.0")]
    [InlineData("MAIL FROM: <a@client.example>", "250 2.1.0")]
    [InlineData("mail from:<a@client.example>", "250 2.1.0")]
    [InlineData("MAIL FROM:<>", "250 2.1.0")]
    [InlineData("MAIL FROM:<> SIZE=100", "250 2.1.0")]
    [InlineData("MAIL FROM:<@relay.example:a@client.example>", "250 2.1.0")]
    [InlineData("MAIL FROM:<\"a > b\"@client.example> SIZE=1", "250 2.1.0")]
    [InlineData("MAIL FROM a@client.example", "501 5.5.4")]
    [InlineData("MAIL TO:<a@client.example>", "501 5.5.4")]
    [InlineData("MAIL", "501 5.5.4")]
    [InlineData("MAIL FROM:a@client.example", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@client.example", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@@client.example>", "501 5.1.7")]
    [InlineData("MAIL FROM:<Postmaster>", "501 5.1.7")]
    [InlineData("MAIL FROM:<a@client.example> junk", "555 5.5.4")]
    [InlineData("MAIL FROM:<a@client.example> SIZE=x", "501 5.5.4")]
    [InlineData("MAIL FROM:<a@client.example> SIZE=1 SIZE=1", "555 5.5.4")]
    [InlineData("MAIL FROM:<usér@client.example>", "553 5.6.7")]
    [InlineData("MAIL FROM:<a@clïent.example>", "553 5.6.7")]
    [InlineData("MAIL FROM:<usér@client.example> SMTPUTF8", "250 2.1.0")]
    [InlineData("MAIL FROM:<a@client.example> SIZE=10000", "250 2.1.0")]
    [InlineData("MAIL FROM:<a@client.example> SIZE=10001", "552 5.3.4")]
    [InlineData("MAIL FROM:<a@client.example> SIZE=999999999999999999", "552 5.3.4")]
    public void Mail_from(string command, string reply) =>
        Session().Send("EHLO client.example").Send(command).Expect(reply);

    [Theory]
    [InlineData("RCPT TO:<bob@example.com>", "250 2.1.5")]
    [InlineData("RCPT TO: <bob@example.com>", "250 2.1.5")]
    [InlineData("rcpt to:<BOB@EXAMPLE.COM>", "250 2.1.5")]
    [InlineData("RCPT TO:<Postmaster>", "250 2.1.5")]
    [InlineData("RCPT TO:<postmaster@example.com>", "250 2.1.5")]
    [InlineData("RCPT TO:<\"b o b\"@example.com>", "250 2.1.5")]
    [InlineData("RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.com", "250 2.1.5")]
    [InlineData("RCPT TO:<bob@other.example>", "550 5.7.1")]
    [InlineData("RCPT TO:<postmaster@other.example>", "550 5.7.1")]
    [InlineData("RCPT TO:<bob@[127.0.0.1]>", "550 5.7.1")]
    [InlineData("RCPT TO:<@example.com:bob@other.example>", "550 5.7.1")]
    [InlineData("RCPT TO:bob@example.com", "501 5.1.3")]
    [InlineData("RCPT TO:<bob@>", "501 5.1.3")]
    [InlineData("RCPT TO:<>", "501 5.1.3")]
    [InlineData("RCPT FROM:<bob@example.com>", "501 5.5.4")]
    [InlineData("RCPT", "501 5.5.4")]
    [InlineData("RCPT TO:<bob@example.com> junk", "555 5.5.4")]
    [InlineData("RCPT TO:<bob@example.com> SIZE=10", "555 5.5.4")]
    [InlineData("RCPT TO:<bob@example.com> NOTIFY=NEVER,SUCCESS", "501 5.5.4")]
    [InlineData("RCPT TO:<bob@example.com>x", "555 5.5.4")]
    [InlineData("RCPT TO:<bøb@example.com>", "553 5.6.7")]
    public void Rcpt_to(string command, string reply) =>
        Session().Send("EHLO client.example").Send("MAIL FROM:<a@client.example>").Send(command).Expect(reply);

    [Fact]
    public void Non_ascii_recipient_is_fine_under_smtputf8() =>
        Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example> SMTPUTF8
            S: 250 2.1.0
            C: RCPT TO:<bøb@example.com>
            S: 250 2.1.5
            C: RCPT TO:<bøb@bücher.example>
            S: 550 5.7.1
            """);

    [Fact]
    public void Too_many_recipients_is_a_temporary_refusal()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: RCPT TO:<r1@example.com>
            S: 250 2.1.5
            C: RCPT TO:<r2@example.com>
            S: 250 2.1.5
            C: RCPT TO:<x@other.example>
            S: 550 5.7.1
            C: RCPT TO:<r3@example.com>
            S: 250 2.1.5
            C: RCPT TO:<r4@example.com>
            S: 452 4.5.3
            C: RCPT TO:<r5@example.com>
            S: 452 4.5.3
            C: DATA
            S: 354
            """);
        Assert.Equal(3, t.Session.RecipientCount);
    }

    [Fact]
    public void Rset_ends_the_transaction_but_keeps_the_greeting()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: RCPT TO:<b@example.com>
            S: 250 2.1.5
            C: RSET
            S: 250 2.0.0
            C: DATA
            S: 503 5.5.1
            C: RSET now
            S: 501 5.5.4
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            """);
        Assert.Equal("client.example", t.Session.Helo);
    }

    [Fact]
    public void Ehlo_again_resets_the_transaction()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: EHLO other.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            """);
        Assert.Equal("other.example", t.Session.Helo);
    }

    [Fact]
    public void Data_takes_no_argument() =>
        Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: RCPT TO:<b@example.com>
            S: 250 2.1.5
            C: DATA now
            S: 501 5.5.4
            C: DATA
            S: 354 End data with <CR><LF>.<CR><LF>
            """).ExpectAction(SessionAction.ReceiveData);

    [Fact]
    public void Starttls_forgets_everything_learned_before()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: STARTTLS now
            S: 501 5.5.4
            C: STARTTLS
            S: 220 2.0.0 Ready to start TLS
            """).ExpectAction(SessionAction.StartTls);
        t.TlsStarted();
        Assert.True(t.Session.TlsActive);
        Assert.Null(t.Session.Helo);
        Assert.False(t.Session.InTransaction);
        t.Play("""
            C: MAIL FROM:<a@client.example>
            S: 503 5.5.1
            C: EHLO client.example
            S: 250
            C: STARTTLS
            S: 503 5.5.1
            C: RCPT TO:<b@example.com>
            S: 503 5.5.1
            """);
    }

    [Fact]
    public void Auth_needs_tls_first() =>
        Session().Play("""
            C: EHLO client.example
            S: 250
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 530 5.7.0 Must issue a STARTTLS command first
            C: AUTH LOGIN
            S: 530 5.7.0
            """);

    private static Transcript UnderTls(ServerSessionOptions? options = null) =>
        Session(options).Play("""
            C: EHLO client.example
            S: 250
            C: STARTTLS
            S: 220 2.0.0
            -- tls
            C: EHLO client.example
            S: 250
            """);

    [Fact]
    public void Auth_plain_with_initial_response()
    {
        var t = UnderTls().Send("AUTH PLAIN " + PlainGood).Expect("235 2.7.0");
        Assert.Equal("bob", t.Session.AuthenticatedUser);
        t.Play("""
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 503 5.5.1
            """);
    }

    [Fact]
    public void Auth_plain_after_an_empty_challenge()
    {
        var t = UnderTls().Send("AUTH PLAIN").Expect("334 ").ExpectAction(SessionAction.AuthContinue);
        Assert.Equal("334 \r\n", t.Last.Reply!.ToWire());
        t.Send(PlainGood).Expect("235 2.7.0").ExpectAction(SessionAction.Continue);
    }

    [Theory]
    [InlineData("AUTH PLAIN " + PlainBad, "535 5.7.8")]
    [InlineData("AUTH PLAIN YWxpY2UAYm9iAHNlY3JldA==", "535 5.7.8")] // authzid alice, authcid bob
    [InlineData("AUTH PLAIN Ym9iAGJvYgBzZWNyZXQ=", "235 2.7.0")] // authzid equal to authcid
    [InlineData("AUTH PLAIN AGJvYg==", "501 5.5.2")] // no password field
    [InlineData("AUTH PLAIN not-base64!", "501 5.5.2")]
    [InlineData("AUTH PLAIN =", "501 5.5.2")]
    [InlineData("AUTH PLAIN a b", "501 5.5.4")]
    [InlineData("AUTH", "501 5.5.4")]
    [InlineData("AUTH CRAM-MD5", "504 5.5.4")]
    [InlineData("AUTH XOAUTH2 dG9rZW4=", "504 5.5.4")]
    [InlineData("auth plain " + PlainGood, "235 2.7.0")]
    public void Auth_plain(string command, string reply)
    {
        var t = UnderTls().Send(command).Expect(reply);
        Assert.Equal(reply.StartsWith("235", StringComparison.Ordinal) ? "bob" : null, t.Session.AuthenticatedUser);
    }

    [Fact]
    public void Auth_login_asks_for_user_then_password()
    {
        var t = UnderTls().Play("""
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: Ym9i
            S: 334 UGFzc3dvcmQ6
            C: c2VjcmV0
            S: 235 2.7.0
            """);
        Assert.Equal("bob", t.Session.AuthenticatedUser);
    }

    [Fact]
    public void Auth_login_with_the_user_name_as_initial_response() =>
        UnderTls().Play("""
            C: AUTH LOGIN Ym9i
            S: 334 UGFzc3dvcmQ6
            C: c2VjcmV0
            S: 235 2.7.0
            """);

    [Fact]
    public void Auth_login_with_a_wrong_password_fails_and_may_be_retried()
    {
        var t = UnderTls().Play("""
            C: AUTH LOGIN
            S: 334 VXNlcm5hbWU6
            C: Ym9i
            S: 334 UGFzc3dvcmQ6
            C: d3Jvbmc=
            S: 535 5.7.8 Authentication credentials invalid
            C: AUTH LOGIN Ym9i
            S: 334
            C: c2VjcmV0
            S: 235 2.7.0
            """);
        Assert.Equal(1, t.Session.ErrorCount);
    }

    [Theory]
    [InlineData("AUTH PLAIN")]
    [InlineData("AUTH LOGIN")]
    [InlineData("AUTH LOGIN Ym9i")]
    public void Star_cancels_the_exchange(string command)
    {
        var t = UnderTls().Send(command).Expect("334").Send("*").Expect("501 5.0.0").ExpectAction(SessionAction.Continue);
        Assert.Null(t.Session.AuthenticatedUser);
        // The next line is a command again, not a SASL response.
        t.Send("NOOP").Expect("250 2.0.0");
    }

    [Theory]
    [InlineData("AUTH LOGIN", "!!!!")]
    [InlineData("AUTH LOGIN", "")]
    [InlineData("AUTH PLAIN", "#")]
    public void Undecodable_sasl_response(string command, string response) =>
        UnderTls().Send(command).Expect("334").Send(response).Expect("501 5.5.2");

    [Fact]
    public void Auth_is_not_allowed_inside_a_transaction() =>
        UnderTls().Play("""
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 503 5.5.1
            """);

    [Fact]
    public void Auth_not_offered_is_not_implemented() =>
        UnderTls(Transcript.Options() with { AuthAvailable = false }).Play("""
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 502 5.5.1
            """);

    [Fact]
    public void Submission_requires_auth_before_mail()
    {
        var submission = Transcript.Options() with { RequireAuth = true };
        var t = UnderTls(submission).Play("""
            C: MAIL FROM:<bob@example.com>
            S: 530 5.7.0 Authentication required
            C: AUTH PLAIN AGJvYgB3cm9uZw==
            S: 535 5.7.8
            C: MAIL FROM:<bob@example.com>
            S: 530 5.7.0
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 235 2.7.0
            C: MAIL FROM:<bob@example.com>
            S: 250 2.1.0
            """);
        Assert.Equal(3, t.Session.ErrorCount);
    }

    [Fact]
    public void Submission_without_tls_cannot_even_try() =>
        Session(Transcript.Options() with { RequireAuth = true }).Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<bob@example.com>
            S: 530 5.7.0
            C: AUTH PLAIN AGJvYgBzZWNyZXQ=
            S: 530 5.7.0 Must issue a STARTTLS command first
            """);

    [Fact]
    public void Bdat_chunks_then_last()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250 2.1.0
            C: RCPT TO:<b@example.com>
            S: 250 2.1.5
            """);
        t.Send("BDAT 100").ExpectNoReply().ExpectAction(SessionAction.ReceiveChunk);
        Assert.Equal(new SessionStep(null, SessionAction.ReceiveChunk, 100, LastChunk: false), t.Last);
        Assert.True(t.Session.BdatActive);
        t.Play("""
            C: RCPT TO:<c@example.com>
            S: 503 5.5.1
            C: DATA
            S: 503 5.5.1 DATA not allowed after BDAT
            """);
        t.Send("BDAT 0 LAST").ExpectNoReply();
        Assert.Equal(new SessionStep(null, SessionAction.ReceiveChunk, 0, LastChunk: true), t.Last);
        t.Send("bdat 7 last").ExpectNoReply();
        Assert.True(t.Last.LastChunk);
        t.MessageTaken();
        Assert.False(t.Session.BdatActive);
    }

    [Theory]
    [InlineData("", "503 5.5.1")]
    [InlineData("MAIL FROM:<a@client.example>", "554 5.5.1")]
    public void Bdat_out_of_sequence_still_reads_the_chunk_so_the_stream_stays_in_step(string setup, string reply)
    {
        var t = Session().Send("EHLO client.example");
        if (setup.Length > 0) t.Send(setup);
        t.Send("BDAT 12 LAST").Expect(reply).ExpectAction(SessionAction.ReceiveChunk);
        Assert.True(t.Last.DiscardChunk);
        Assert.Equal(12, t.Last.ChunkSize);
        Assert.Equal(1, t.Session.ErrorCount); // counted once, although the shell sends it later
        Assert.False(t.Session.BdatActive);
    }

    [Theory]
    [InlineData("BDAT")]
    [InlineData("BDAT x")]
    [InlineData("BDAT -1")]
    [InlineData("BDAT 10 MORE")]
    [InlineData("BDAT 10 LAST x")]
    [InlineData("BDAT 1234567890123456789")]
    [InlineData("BDAT +5")]
    public void Bdat_with_an_unreadable_size_closes_the_connection(string command) =>
        Session().Send("EHLO client.example").Send(command).Expect("501 5.5.4").ExpectAction(SessionAction.Close);

    [Theory]
    [InlineData("VRFY bob", "252 2.5.0")]
    [InlineData("VRFY <bob@example.com>", "252 2.5.0")]
    [InlineData("VRFY", "501 5.5.4")]
    [InlineData("EXPN staff", "502 5.5.1")]
    [InlineData("EXPN", "502 5.5.1")]
    [InlineData("HELP", "214 2.0.0")]
    [InlineData("HELP MAIL", "214 2.0.0")]
    [InlineData("NOOP", "250 2.0.0")]
    [InlineData("NOOP anything at all", "250 2.0.0")]
    [InlineData("XYZZY", "500 5.5.2")]
    [InlineData("TURN", "500 5.5.2")]
    [InlineData("", "500 5.5.2")]
    [InlineData("QUIT now", "501 5.5.4")]
    public void Other_commands_work_even_before_ehlo(string command, string reply) =>
        Session().Send(command).Expect(reply).ExpectAction(SessionAction.Continue);

    [Fact]
    public void Help_is_a_multi_line_reply()
    {
        var wire = Session().Send("HELP").Last.Reply!.ToWire();
        Assert.StartsWith("214-2.0.0 Commands:", wire);
        Assert.Contains("\r\n214 2.0.0 ", wire);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1")]
    [InlineData("POST /submit HTTP/1.1")]
    [InlineData("CONNECT mx.example:25 HTTP/1.1")]
    [InlineData("Host: mx.example")]
    [InlineData("USER bob")]
    public void Web_requests_close_the_connection(string command) =>
        Session().Send(command).Expect("221 2.7.0").ExpectAction(SessionAction.Close);

    [Fact]
    public void Quit_closes()
    {
        var t = Session().Send("QUIT").Expect("221 2.0.0 mx.example closing connection").ExpectAction(SessionAction.Close);
        Assert.Equal(0, t.Session.ErrorCount);
    }

    [Fact]
    public void Error_replies_are_counted()
    {
        var t = Session().Play("""
            C: MAIL FROM:<a@client.example>
            S: 503
            C: XYZZY
            S: 500
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example>
            S: 250
            C: RCPT TO:<x@other.example>
            S: 550
            C: NOOP
            S: 250
            """);
        Assert.Equal(3, t.Session.ErrorCount);
        t.Session.CountReply(Gatehouse.Core.Protocol.Replies.StorageFailed);
        t.Session.CountReply(Gatehouse.Core.Protocol.Replies.ShuttingDown); // 421 ends the session; it is not the client's error
        Assert.Equal(4, t.Session.ErrorCount);
    }

    [Fact]
    public void Envelope_carries_the_parameters()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<a@client.example> SIZE=500 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1
            S: 250 2.1.0
            C: RCPT TO:<b@example.com> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+40example.com
            S: 250 2.1.5
            C: RCPT TO:<Postmaster>
            S: 250 2.1.5
            """);
        var client = new ClientInfo(IPAddress.Loopback, 40000, IPAddress.Loopback, 25, "inbound", "client.example", true, null, null, null);
        var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var envelope = t.Session.BuildEnvelope(client, at);
        Assert.Equal(new Mailbox("a", "client.example"), envelope.ReversePath);
        Assert.Equal(
            [
                new EnvelopeRecipient(new Mailbox("b", "example.com"), DsnNotify.Failure | DsnNotify.Delay, "rfc822;b@example.com"),
                new EnvelopeRecipient(new Mailbox("Postmaster", "")),
            ],
            envelope.Recipients);
        Assert.Equal(DsnReturn.Headers, envelope.Ret);
        Assert.Equal("QQ+1", envelope.EnvelopeId);
        Assert.Equal(BodyType.EightBitMime, envelope.Body);
        Assert.False(envelope.SmtpUtf8);
        Assert.Equal(500, envelope.DeclaredSize);
        Assert.Equal("<a@client.example>", envelope.ReversePathText);
        Assert.Same(client, envelope.Client);
        Assert.Equal(at, envelope.ReceivedAt);
    }

    [Fact]
    public void Envelope_of_the_null_sender()
    {
        var t = Session().Play("""
            C: EHLO client.example
            S: 250
            C: MAIL FROM:<> SMTPUTF8
            S: 250 2.1.0
            """);
        var client = new ClientInfo(IPAddress.Loopback, 1, IPAddress.Loopback, 25, "inbound", "c", true, null, null, null);
        var envelope = t.Session.BuildEnvelope(client, DateTimeOffset.UnixEpoch);
        Assert.Null(envelope.ReversePath);
        Assert.Equal("<>", envelope.ReversePathText);
        Assert.True(envelope.SmtpUtf8);
    }

    [Fact]
    public void No_envelope_without_a_transaction()
    {
        var client = new ClientInfo(IPAddress.Loopback, 1, IPAddress.Loopback, 25, "inbound", "c", true, null, null, null);
        Assert.Throws<InvalidOperationException>(() => Session().Session.BuildEnvelope(client, DateTimeOffset.UnixEpoch));
    }
}
