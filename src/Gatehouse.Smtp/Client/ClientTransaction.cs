using Gatehouse.Core.Protocol;

namespace Gatehouse.Smtp.Client;

/// <summary>The final word on one recipient of a transaction.</summary>
/// <param name="FromRemote">True when <paramref name="Reply"/> is what the server said; false when the client made it up.</param>
public readonly record struct RecipientReply(SmtpReply Reply, bool FromRemote);

/// <summary>Where a transaction is: the reply it waits for next.</summary>
public enum TransactionStage
{
    Mail,
    Rcpt,
    Data,
    Content,
    Dot,
    Done,
}

/// <summary>What to do after the reply to DATA.</summary>
public enum DataDecision
{
    /// <summary>354 and at least one recipient accepted: send the content.</summary>
    SendContent,

    /// <summary>354 although no recipient was accepted (a pipelined DATA): end the data at once with ".".</summary>
    EndEmpty,

    /// <summary>DATA was refused: the transaction is over.</summary>
    Abort,
}

/// <summary>Sans-I/O bookkeeping of one SMTP or LMTP mail transaction as a client sees it: which reply belongs to which recipient.</summary>
/// <remarks>
/// <para>The shell sends MAIL, the RCPTs and DATA (in one write under RFC 2920 PIPELINING, or one at
/// a time) and hands each reply here in order. The outcome of a recipient is: the MAIL reply when
/// MAIL failed, its RCPT reply when that failed, else the DATA reply when DATA failed, else the
/// reply after the final dot — one reply for all under SMTP, one per accepted recipient in RCPT
/// order under LMTP (RFC 2033 §4.2).</para>
/// <para>A 421 at any point means the server is closing (RFC 5321 §3.8): every recipient without an
/// outcome gets it and <see cref="ServerClosing"/> is set. <see cref="Fail"/> gives the unfinished
/// recipients a reply the shell made up (lost connection, timeout, protocol error).</para>
/// <para>It does no I/O, keeps no time and never throws for anything a server says.</para>
/// </remarks>
public sealed class ClientTransaction
{
    private readonly RecipientReply?[] _results;
    private readonly bool[] _accepted;
    private readonly bool _lmtp;
    private int _nextRcpt;
    private int _nextDot;

    public ClientTransaction(int recipients, bool lmtp)
    {
        if (recipients < 1) throw new ArgumentOutOfRangeException(nameof(recipients), "a transaction needs a recipient");
        _results = new RecipientReply?[recipients];
        _accepted = new bool[recipients];
        _lmtp = lmtp;
    }

    public TransactionStage Stage { get; private set; } = TransactionStage.Mail;

    public bool MailAccepted { get; private set; }

    /// <summary>Recipients whose RCPT got a positive reply.</summary>
    public int Accepted { get; private set; }

    /// <summary>The server said 421: it is closing the connection.</summary>
    public bool ServerClosing { get; private set; }

    /// <summary>Whether the content was handed over and the transaction ended with the reply(ies) to the final dot.</summary>
    public bool Completed { get; private set; }

    /// <summary>MAIL was accepted and the transaction did not end with the final dot: the server still holds it, so RSET before the next.</summary>
    public bool NeedsReset => MailAccepted && !Completed && !ServerClosing;

    /// <summary>True when DATA is worth sending in lock-step: MAIL and at least one RCPT were accepted.</summary>
    public bool CanSendData => MailAccepted && Accepted > 0;

    /// <summary>How many replies to the final dot are still due.</summary>
    public int PendingDotReplies => Stage == TransactionStage.Dot ? (_lmtp ? Accepted - _nextDot : 1) : 0;

    /// <summary>The index of the recipient whose RCPT reply is due next.</summary>
    public int NextRecipient => _nextRcpt;

    public void OnMail(SmtpReply reply)
    {
        Expect(TransactionStage.Mail);
        if (Closing(reply)) return;
        MailAccepted = reply.IsPositive;
        if (!MailAccepted) FailUnfinished(reply, fromRemote: true);
        Stage = TransactionStage.Rcpt;
    }

    public void OnRcpt(SmtpReply reply)
    {
        Expect(TransactionStage.Rcpt);
        if (_nextRcpt >= _results.Length) throw new InvalidOperationException("more RCPT replies than recipients");
        if (Closing(reply)) return;
        var i = _nextRcpt++;
        // After a failed MAIL the pipelined RCPTs get 503s; the MAIL reply says more and is already set.
        if (_results[i] is null)
        {
            if (reply.IsPositive)
            {
                _accepted[i] = true;
                Accepted++;
            }
            else
            {
                _results[i] = new RecipientReply(reply, true);
            }
        }
        if (_nextRcpt == _results.Length) Stage = TransactionStage.Data;
    }

    public DataDecision OnData(SmtpReply reply)
    {
        Expect(TransactionStage.Data);
        if (Closing(reply)) return DataDecision.Abort;
        if (reply.Code == 354)
        {
            Stage = TransactionStage.Content;
            return CanSendData ? DataDecision.SendContent : DataDecision.EndEmpty;
        }
        FailUnfinished(reply, fromRemote: true);
        Stage = TransactionStage.Done;
        return DataDecision.Abort;
    }

    /// <summary>The content and the final dot have been written; the dot's replies are due.</summary>
    public void OnContentSent()
    {
        Expect(TransactionStage.Content);
        Stage = TransactionStage.Dot;
    }

    /// <summary>Takes one reply to the final dot; true when none is due any more.</summary>
    public bool OnDot(SmtpReply reply)
    {
        Expect(TransactionStage.Dot);
        if (Closing(reply)) return true;
        if (!CanSendData)
        {
            // The empty data of an all-refused pipelined transaction: its reply decides nothing.
            Finish();
            return true;
        }
        if (!_lmtp)
        {
            FailUnfinished(reply, fromRemote: true);
            Finish();
            return true;
        }
        var seen = 0;
        for (var i = 0; i < _results.Length; i++)
        {
            if (!_accepted[i] || seen++ < _nextDot) continue;
            _results[i] = new RecipientReply(reply, true);
            break;
        }
        _nextDot++;
        if (_nextDot < Accepted) return false;
        Finish();
        return true;
    }

    /// <summary>Lock-step: MAIL failed or every RCPT did; the transaction ends without DATA.</summary>
    public void EndWithoutData()
    {
        FailUnfinished(SmtpReply.Of(554, "5.5.1", "no valid recipients"), fromRemote: false);
        Stage = TransactionStage.Done;
    }

    /// <summary>Gives every recipient still without an outcome this reply, and ends the transaction.</summary>
    public void Fail(SmtpReply reply, bool fromRemote)
    {
        FailUnfinished(reply, fromRemote);
        Stage = TransactionStage.Done;
    }

    /// <summary>One outcome per recipient, in RCPT order; only when <see cref="Stage"/> is <see cref="TransactionStage.Done"/>.</summary>
    public IReadOnlyList<RecipientReply> Results()
    {
        if (Stage != TransactionStage.Done) throw new InvalidOperationException($"the transaction is not over: it waits for {Stage}");
        return [.. _results.Select(r => r!.Value)];
    }

    private void Finish()
    {
        Completed = true;
        Stage = TransactionStage.Done;
    }

    private bool Closing(SmtpReply reply)
    {
        if (reply.Code != 421) return false;
        ServerClosing = true;
        FailUnfinished(reply, fromRemote: true);
        Stage = TransactionStage.Done;
        return true;
    }

    private void FailUnfinished(SmtpReply reply, bool fromRemote)
    {
        for (var i = 0; i < _results.Length; i++) _results[i] ??= new RecipientReply(reply, fromRemote);
    }

    private void Expect(TransactionStage stage)
    {
        if (Stage != stage) throw new InvalidOperationException($"a {stage} reply is not due: the transaction waits for {Stage}");
    }
}
