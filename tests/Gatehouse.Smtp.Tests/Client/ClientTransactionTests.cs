using Gatehouse.Core.Protocol;
using Gatehouse.Smtp.Client;

namespace Gatehouse.Smtp.Tests.Client;

/// <summary>Which reply becomes which recipient's outcome, for SMTP and LMTP, pipelined and lock-step.</summary>
/// <remarks>Replies are written as on the wire ("550 5.1.1 No such user"); outcomes come back the same way, "(ours)" marking made-up ones.</remarks>
public class ClientTransactionTests
{
    private static SmtpReply R(string wire)
    {
        var reader = new ReplyReader();
        Assert.Equal(ReplyReadStatus.Complete, reader.TryRead(System.Text.Encoding.UTF8.GetBytes(wire + "\r\n").AsMemory(), out _, out var reply));
        return reply!;
    }

    private static string[] Outcomes(ClientTransaction tx) =>
        [.. tx.Results().Select(r => r.Reply.ToString() + (r.FromRemote ? "" : " (ours)"))];

    [Fact]
    public void Smtp_pipelined_one_recipient_refused_the_others_get_the_dot_reply()
    {
        var tx = new ClientTransaction(3, lmtp: false);
        tx.OnMail(R("250 2.1.0 Ok"));
        tx.OnRcpt(R("250 2.1.5 Ok"));
        tx.OnRcpt(R("550 5.1.1 No such user"));
        tx.OnRcpt(R("250 2.1.5 Ok"));
        Assert.Equal(DataDecision.SendContent, tx.OnData(R("354 Go ahead")));
        tx.OnContentSent();
        Assert.Equal(1, tx.PendingDotReplies);
        Assert.True(tx.OnDot(R("250 2.0.0 Ok: queued as ABC")));
        Assert.Equal(["250 2.0.0 Ok: queued as ABC", "550 5.1.1 No such user", "250 2.0.0 Ok: queued as ABC"], Outcomes(tx));
        Assert.True(tx.Completed);
        Assert.False(tx.NeedsReset);
    }

    [Fact]
    public void Lmtp_gives_each_accepted_recipient_its_own_reply_in_rcpt_order()
    {
        var tx = new ClientTransaction(4, lmtp: true);
        tx.OnMail(R("250 2.1.0 Ok"));
        tx.OnRcpt(R("250 2.1.5 Ok"));
        tx.OnRcpt(R("550 5.1.1 No such user"));
        tx.OnRcpt(R("250 2.1.5 Ok"));
        tx.OnRcpt(R("250 2.1.5 Ok"));
        Assert.Equal(DataDecision.SendContent, tx.OnData(R("354 Go ahead")));
        tx.OnContentSent();
        Assert.Equal(3, tx.PendingDotReplies);
        Assert.False(tx.OnDot(R("250 2.0.0 delivered to a")));
        Assert.False(tx.OnDot(R("452 4.2.2 Mailbox full")));
        Assert.Equal(1, tx.PendingDotReplies);
        Assert.True(tx.OnDot(R("250 2.0.0 delivered to d")));
        Assert.Equal(["250 2.0.0 delivered to a", "550 5.1.1 No such user", "452 4.2.2 Mailbox full", "250 2.0.0 delivered to d"], Outcomes(tx));
    }

    [Fact]
    public void Failed_mail_is_every_recipients_outcome_even_when_pipelined_rcpts_get_503()
    {
        var tx = new ClientTransaction(2, lmtp: false);
        tx.OnMail(R("553 5.1.8 Sender address rejected"));
        tx.OnRcpt(R("503 5.5.1 Need MAIL first"));
        tx.OnRcpt(R("503 5.5.1 Need MAIL first"));
        Assert.Equal(DataDecision.Abort, tx.OnData(R("503 5.5.1 Need RCPT first")));
        Assert.Equal(["553 5.1.8 Sender address rejected", "553 5.1.8 Sender address rejected"], Outcomes(tx));
        Assert.False(tx.NeedsReset);
    }

    [Fact]
    public void A_refused_data_goes_to_the_accepted_recipients_and_asks_for_rset()
    {
        var tx = new ClientTransaction(2, lmtp: false);
        tx.OnMail(R("250 Ok"));
        tx.OnRcpt(R("550 5.1.1 No"));
        tx.OnRcpt(R("250 Ok"));
        Assert.Equal(DataDecision.Abort, tx.OnData(R("451 4.3.0 Try later")));
        Assert.Equal(["550 5.1.1 No", "451 4.3.0 Try later"], Outcomes(tx));
        Assert.True(tx.NeedsReset);
    }

    [Fact]
    public void Every_rcpt_refused_in_lock_step_ends_without_data()
    {
        var tx = new ClientTransaction(2, lmtp: false);
        tx.OnMail(R("250 Ok"));
        tx.OnRcpt(R("550 5.1.1 No"));
        tx.OnRcpt(R("450 4.2.1 Later"));
        Assert.False(tx.CanSendData);
        tx.EndWithoutData();
        Assert.Equal(["550 5.1.1 No", "450 4.2.1 Later"], Outcomes(tx));
        Assert.True(tx.NeedsReset);
    }

    [Fact]
    public void A_354_after_every_rcpt_was_refused_ends_with_an_empty_data_whose_reply_changes_nothing()
    {
        var tx = new ClientTransaction(1, lmtp: false);
        tx.OnMail(R("250 Ok"));
        tx.OnRcpt(R("550 5.1.1 No"));
        Assert.Equal(DataDecision.EndEmpty, tx.OnData(R("354 Go ahead")));
        tx.OnContentSent();
        Assert.True(tx.OnDot(R("554 5.5.1 No valid recipients")));
        Assert.Equal(["550 5.1.1 No"], Outcomes(tx));
    }

    [Fact]
    public void A_421_closes_everything_that_is_not_finished()
    {
        var tx = new ClientTransaction(3, lmtp: false);
        tx.OnMail(R("250 Ok"));
        tx.OnRcpt(R("550 5.1.1 No"));
        tx.OnRcpt(R("421 4.3.2 Shutting down"));
        Assert.Equal(TransactionStage.Done, tx.Stage);
        Assert.True(tx.ServerClosing);
        Assert.False(tx.NeedsReset);
        Assert.Equal(["550 5.1.1 No", "421 4.3.2 Shutting down", "421 4.3.2 Shutting down"], Outcomes(tx));
    }

    [Fact]
    public void A_lost_connection_after_the_dot_fails_only_the_unfinished_lmtp_recipients()
    {
        var tx = new ClientTransaction(3, lmtp: true);
        tx.OnMail(R("250 Ok"));
        tx.OnRcpt(R("250 Ok"));
        tx.OnRcpt(R("250 Ok"));
        tx.OnRcpt(R("550 5.1.1 No"));
        tx.OnData(R("354 Go"));
        tx.OnContentSent();
        Assert.False(tx.OnDot(R("250 2.0.0 Delivered")));
        tx.Fail(SmtpReply.Of(451, "4.4.2", "lost connection"), fromRemote: false);
        Assert.Equal(["250 2.0.0 Delivered", "451 4.4.2 lost connection (ours)", "550 5.1.1 No"], Outcomes(tx));
    }

    [Fact]
    public void Replies_out_of_turn_are_a_programming_error_not_a_silent_mixup()
    {
        var tx = new ClientTransaction(1, lmtp: false);
        Assert.Throws<InvalidOperationException>(() => tx.OnRcpt(R("250 Ok")));
        tx.OnMail(R("250 Ok"));
        Assert.Throws<InvalidOperationException>(() => tx.OnData(R("354 Go")));
        Assert.Throws<InvalidOperationException>(() => tx.Results());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClientTransaction(0, lmtp: false));
    }
}
