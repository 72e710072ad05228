using Gatehouse.Core.Protocol;

namespace Gatehouse.Smtp.Server;

/// <summary>What the I/O shell must do after the session has seen a command.</summary>
public enum SessionAction
{
    /// <summary>Send the reply (if any) and read the next command.</summary>
    Continue,

    /// <summary>Send the reply, then read DATA content until CRLF.CRLF.</summary>
    ReceiveData,

    /// <summary>Read exactly <see cref="SessionStep.ChunkSize"/> octets of BDAT content, then ask the session for the reply.</summary>
    ReceiveChunk,

    /// <summary>Send the reply, flush, discard buffered input and start the TLS handshake.</summary>
    StartTls,

    /// <summary>Send the reply and read one line of SASL response.</summary>
    AuthContinue,

    /// <summary>Send the reply and close the connection.</summary>
    Close,
}

/// <summary>A reply to send and an action to take.</summary>
public readonly record struct SessionStep(SmtpReply? Reply, SessionAction Action, long ChunkSize = 0, bool LastChunk = false, bool DiscardChunk = false)
{
    public static SessionStep Say(SmtpReply reply) => new(reply, SessionAction.Continue);
}
