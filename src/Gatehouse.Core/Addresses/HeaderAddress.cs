using System.Text;

namespace Gatehouse.Core.Addresses;

/// <summary>
/// One element of an RFC 5322 §3.4 address list: a <see cref="HeaderMailbox"/> or a <see cref="HeaderGroup"/>.
/// Produced by <see cref="HeaderAddressParser"/>; <see cref="ToString"/> writes it back in a form the
/// parser reads to an equal value.
/// </summary>
public abstract record HeaderAddress
{
    /// <summary>The mailboxes this element stands for: itself, or a group's members.</summary>
    public abstract IReadOnlyList<HeaderMailbox> Mailboxes { get; }

    /// <summary>The element in RFC 5322 syntax.</summary>
    public abstract override string ToString();

    /// <summary>Writes addresses as an RFC 5322 address-list (<c>, </c> between elements, no folding).</summary>
    public static string FormatList(IEnumerable<HeaderAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return string.Join(", ", addresses.Select(a => a.ToString()));
    }

    /// <summary>
    /// Writes a display name as an RFC 5322 §3.2.5 phrase: atoms separated by single spaces are written
    /// as they are (so RFC 2047 encoded words stay encoded words), anything else as a quoted string.
    /// </summary>
    /// <remarks>Control characters are written as spaces, so a formatted address can never break a header line.</remarks>
    public static string FormatPhrase(string phrase)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var words = phrase.Split(' ');
        if (words.All(w => w.Length > 0 && w.All(c => SmtpSyntax.IsAtext(c, allowUtf8: true)))) return phrase;
        var sb = new StringBuilder(phrase.Length + 2).Append('"');
        foreach (var c in phrase)
        {
            if (c is '"' or '\\') sb.Append('\\').Append(c);
            else if (c != '\t' && char.IsControl(c)) sb.Append(' ');
            else sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}

/// <summary>
/// An RFC 5322 §3.4 <c>mailbox</c>: an optional display name and an address. The display name is the
/// phrase with quoted strings unquoted and words joined by single spaces; RFC 2047 encoded words are
/// left as written (decoding them is the message layer's job, not the address parser's).
/// </summary>
public sealed record HeaderMailbox(string? DisplayName, Mailbox Mailbox) : HeaderAddress
{
    public override IReadOnlyList<HeaderMailbox> Mailboxes => [this];

    public override string ToString() =>
        string.IsNullOrEmpty(DisplayName) ? Mailbox.ToWire() : FormatPhrase(DisplayName) + " <" + Mailbox.ToWire() + ">";
}

/// <summary>
/// An RFC 5322 §3.4 <c>group</c>: a display name and zero or more mailboxes
/// (<c>Undisclosed recipients:;</c>, <c>team: a@b, c@d;</c>). Groups do not nest.
/// </summary>
public sealed record HeaderGroup(string Name, IReadOnlyList<HeaderMailbox> Members) : HeaderAddress
{
    public override IReadOnlyList<HeaderMailbox> Mailboxes => Members;

    public override string ToString() =>
        FormatPhrase(Name) + ":" + (Members.Count == 0 ? "" : " " + string.Join(", ", Members.Select(m => m.ToString()))) + ";";

    // Value equality over the members, which a record would otherwise compare by reference.
    public bool Equals(HeaderGroup? other) =>
        other is not null && Name == other.Name && Members.SequenceEqual(other.Members);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        foreach (var m in Members) hash.Add(m);
        return hash.ToHashCode();
    }
}
