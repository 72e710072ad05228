using System.Collections.Frozen;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Core.Notices;

/// <summary>Plain words for RFC 3463 enhanced status codes, for the human part of a notice.</summary>
/// <remarks>
/// <para>Describes a code by its subject and detail (RFC 3463 §3, the IANA registry of enhanced status
/// codes, RFC 3886, RFC 6531, RFC 7505); an unknown detail falls back to the subject and the class,
/// and text that is not a code says so. It does not parse reply text: the caller hands in the code.</para>
/// <para>The words are the same for 4.x.y and 5.x.y because the notice around them already says
/// whether delivery will be retried; class 2 has its own few texts, as a success detail reads
/// differently from a failure with the same numbers.</para>
/// </remarks>
public static class StatusText
{
    private static readonly FrozenDictionary<(int Subject, int Detail), string> Details = new Dictionary<(int, int), string>
    {
        [(0, 0)] = "The mail system reported a problem it did not describe further.",
        [(1, 0)] = "There is a problem with the address.",
        [(1, 1)] = "The recipient's mailbox does not exist (no such user).",
        [(1, 2)] = "The recipient's domain does not exist.",
        [(1, 3)] = "The recipient address is not written correctly.",
        [(1, 4)] = "The recipient address is ambiguous: it matches more than one mailbox.",
        [(1, 6)] = "The recipient's mailbox has moved and left no forwarding address.",
        [(1, 7)] = "The sender address is not written correctly.",
        [(1, 8)] = "The sender's domain does not exist or does not accept replies.",
        [(1, 9)] = "The message was passed to a mail system that does not report delivery.",
        [(1, 10)] = "The recipient's domain does not accept mail (it publishes a null MX record).",
        [(2, 0)] = "There is a problem with the recipient's mailbox.",
        [(2, 1)] = "The recipient's mailbox is disabled and does not accept messages.",
        [(2, 2)] = "The recipient's mailbox is full.",
        [(2, 3)] = "The message is larger than the recipient accepts.",
        [(2, 4)] = "The distribution list could not be expanded.",
        [(3, 0)] = "The receiving mail system has a problem.",
        [(3, 1)] = "The receiving mail system is out of storage.",
        [(3, 2)] = "The receiving mail system is not accepting messages.",
        [(3, 3)] = "The receiving mail system does not support a feature the message needs.",
        [(3, 4)] = "The message is too big for the receiving mail system.",
        [(3, 5)] = "The receiving mail system is configured incorrectly.",
        [(4, 0)] = "There is a network or routing problem.",
        [(4, 1)] = "There was no answer from the receiving server.",
        [(4, 2)] = "The connection to the receiving server was dropped.",
        [(4, 3)] = "The name service (DNS) failed to answer for the recipient's domain.",
        [(4, 4)] = "There is no route to the recipient: no connector or mail server carries this address.",
        [(4, 5)] = "The mail system is congested.",
        [(4, 6)] = "The message is in a routing loop: it passed through too many servers.",
        [(4, 7)] = "The message could not be delivered within the time allowed.",
        [(5, 0)] = "The servers could not agree on the mail protocol.",
        [(5, 1)] = "A server refused a mail protocol command.",
        [(5, 2)] = "A server did not understand a mail protocol command.",
        [(5, 3)] = "The message has too many recipients.",
        [(5, 4)] = "A server refused a mail protocol parameter.",
        [(5, 5)] = "The servers speak different versions of the mail protocol.",
        [(6, 0)] = "The message content could not be handled.",
        [(6, 1)] = "The receiving system does not support the kind of content in the message.",
        [(6, 2)] = "The message needs a conversion that is not allowed.",
        [(6, 3)] = "The message needs a conversion that is not possible (such as 8-bit content to a 7-bit server).",
        [(6, 5)] = "Converting the message failed.",
        [(6, 7)] = "The receiving server does not accept internationalized (SMTPUTF8) addresses.",
        [(6, 9)] = "The receiving server does not accept internationalized (SMTPUTF8) headers.",
        [(7, 0)] = "The message was refused for a security reason.",
        [(7, 1)] = "The message was refused by policy: delivery is not authorized.",
        [(7, 2)] = "Sending to this distribution list is not allowed.",
        [(7, 3)] = "A security conversion was needed but is not possible.",
        [(7, 4)] = "The receiving server does not offer the security (TLS) that is required.",
        [(7, 5)] = "A cryptographic operation failed.",
        [(7, 6)] = "A cryptographic algorithm is not supported.",
        [(7, 7)] = "The message failed an integrity check.",
        [(7, 8)] = "The authentication credentials are not valid.",
        [(7, 9)] = "The authentication mechanism is too weak.",
        [(7, 10)] = "Encryption (TLS) is required but could not be used.",
        [(7, 11)] = "Encryption is required for the requested authentication mechanism.",
        [(7, 13)] = "The account is disabled.",
        [(7, 17)] = "The mailbox has a new owner.",
        [(7, 18)] = "The domain has a new owner.",
        [(7, 20)] = "The message has no passing DKIM signature.",
        [(7, 23)] = "The message failed the sender's SPF check.",
        [(7, 25)] = "The sending server's reverse DNS did not check out.",
        [(7, 26)] = "The message failed several authentication checks.",
        [(7, 27)] = "The sender's domain does not accept mail (null MX), so replies could not reach it.",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<(int Subject, int Detail), string> SuccessDetails = new Dictionary<(int, int), string>
    {
        [(0, 0)] = "The message was delivered.",
        [(1, 5)] = "The recipient address is valid.",
        [(6, 4)] = "The message was delivered after a conversion that lost some content.",
    }.ToFrozenDictionary();

    private static readonly string[] Subjects =
    [
        "an unspecified problem",
        "an address problem",
        "a mailbox problem",
        "a mail system problem",
        "a network or routing problem",
        "a mail protocol problem",
        "a content or media problem",
        "a security or policy problem",
    ];

    /// <summary>Plain words for <paramref name="status"/> ("5.1.1"), with fallbacks for unknown details, subjects and text that is not a code.</summary>
    public static string Describe(string status)
    {
        if (!EnhancedStatusCode.TryParse(status, out var code)) return "The delivery status is not known.";
        if (code.Class == 2)
        {
            return SuccessDetails.TryGetValue((code.Subject, code.Detail), out var done) ? done : "The message was delivered.";
        }
        if (Details.TryGetValue((code.Subject, code.Detail), out var text)) return text;
        var kind = code.Class == 4 ? "temporary" : "permanent";
        return code.Subject < Subjects.Length
            ? $"The mail system reported {Subjects[code.Subject]} ({kind}, status {code})."
            : $"The mail system reported a {kind} problem (status {code}).";
    }
}
