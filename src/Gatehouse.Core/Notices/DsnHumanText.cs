using System.Text;
using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Notices;

/// <summary>Writes the human-readable first part of a notice, in the manner of the Exchange Internet Mail Service's reports.</summary>
/// <remarks>
/// <para>Says which recipients failed, are delayed or were reached, why in plain words, which server
/// said so and what it replied, then the status code (RFC 3464 §2.1 leaves the wording free). It
/// writes text with CRLF lines wrapped near 76 columns; encoding the text for transport is the
/// composer's job.</para>
/// <para>Every piece of foreign text (remote replies, the original subject) is put on one line first,
/// so that it cannot forge lines of the report.</para>
/// <para>A remote reply is shown once, on its own line after the name of the server that gave it.
/// Delivery agents often repeat the reply in their explanation ("mx replied: 550 ..."), for the queue
/// listing; here that repetition is dropped and the explanation keeps only its own words, or falls
/// back to plain words for the status.</para>
/// </remarks>
internal static class DsnHumanText
{
    private const int Width = 76;
    private const string Entry = "      ";
    private const string Detail = "            ";

    public static string Write(DeliveryReport report, string subject, string sent, string? note, DateTimeOffset now)
    {
        var failed = report.Recipients.Where(r => r.Action == DsnAction.Failed).ToList();
        var delayed = report.Recipients.Where(r => r.Action == DsnAction.Delayed).ToList();
        var reached = report.Recipients.Where(r => r.Action is DsnAction.Delivered or DsnAction.Relayed or DsnAction.Expanded).ToList();
        var reporter = MimeText.MtaName(report.ReportingMta);

        var w = new StringBuilder();
        w.Append(failed.Count > 0 ? "Your message did not reach some or all of the intended recipients."
            : delayed.Count > 0 ? "Your message has not yet been delivered to some or all of the intended recipients."
            : "Your message was delivered.").Append(MimeText.Crlf).Append(MimeText.Crlf);
        Wrap(w, Entry, "Subject:  " + subject, Entry + "          ");
        Wrap(w, Entry, "Sent:     " + sent, Entry + "          ");
        w.Append(MimeText.Crlf);

        if (failed.Count > 0)
        {
            Section(w, "The following recipient(s) could not be reached:", failed, reporter, now);
        }
        if (delayed.Count > 0)
        {
            Section(w, "Delivery to the following recipient(s) has been delayed; the mail system will keep trying:", delayed, reporter, now);
        }
        if (reached.Count > 0)
        {
            Section(w, "Your message was delivered to the following recipient(s):", reached, reporter, now);
        }
        if (note is not null) Wrap(w, "", note, "");
        return w.ToString();
    }

    private static string? EncapsulatedAddress(string address)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0) return null;
        var local = address[..at].Trim('"');
        return Imcea.IsEncapsulated(local) && Imcea.Decode(local) is { Status: ImceaStatus.Decapsulated, Address: { } a } ? a.ToString() : null;
    }

    private static void Section(StringBuilder w, string title, List<RecipientReport> recipients, string reporter, DateTimeOffset now)
    {
        Wrap(w, "", title, "");
        w.Append(MimeText.Crlf);
        foreach (var r in recipients)
        {
            var who = MimeText.OneLine(r.FinalRecipient);
            // An encapsulated address means nothing to a reader; the address it carries does (a one-off, a list member).
            if (EncapsulatedAddress(who) is { } carried) who += $" ([{carried}])";
            var original = OriginalAddress(r.OriginalRecipient);
            if (original is not null && !original.Equals(who, StringComparison.OrdinalIgnoreCase))
            {
                who += $" (addressed as {original})";
            }
            // Not wrapped: a date broken over two lines reads badly, and the line is short enough.
            w.Append(Entry).Append(who).Append(" on ").Append(MimeText.Date(r.LastAttempt ?? now)).Append(MimeText.Crlf);
            var diagnostic = MimeText.OneLine(r.DiagnosticCode);
            Wrap(w, Detail, Explanation(r, r.RemoteMta is null ? "" : diagnostic), Detail);
            if (r.RemoteMta is not null && diagnostic.Length > 0)
            {
                Wrap(w, Detail, $"<{MimeText.MtaName(r.RemoteMta)}> reported: {diagnostic}", Detail + "  ");
            }
            else if (r.RemoteMta is not null)
            {
                Wrap(w, Detail, $"Last tried <{MimeText.MtaName(r.RemoteMta)}>, which gave no reply.", Detail);
            }
            else if (diagnostic.Length > 0)
            {
                Wrap(w, Detail, $"The remote server reported: {diagnostic}", Detail + "  ");
            }
            else if (r.Action is DsnAction.Failed or DsnAction.Delayed)
            {
                Wrap(w, Detail, $"Reported by <{reporter}>.", Detail);
            }
            if (r.Action == DsnAction.Delayed)
            {
                var until = r.WillRetryUntil is { } u ? " until " + MimeText.Date(u) : "";
                w.Append(Detail).Append("The mail system will keep trying").Append(until).Append('.').Append(MimeText.Crlf);
            }
            Wrap(w, Detail, "Status " + MimeText.OneLine(r.Status), Detail);
            w.Append(MimeText.Crlf);
        }
    }

    /// <param name="shownReply">The remote reply the entry shows on its own line, or empty.</param>
    private static string Explanation(RecipientReport r, string shownReply)
    {
        var text = WithoutReply(MimeText.OneLine(r.Explanation), shownReply);
        if (text.Length == 0)
        {
            return r.Action switch
            {
                DsnAction.Relayed => "The message was passed to a mail system that does not report delivery.",
                DsnAction.Expanded => "The message was delivered to a distribution list, which passed it on to its members.",
                _ => StatusText.Describe(r.Status),
            };
        }
        return text[^1] is '.' or '!' or '?' ? text : text + ".";
    }

    /// <summary>The explanation without <paramref name="reply"/> and the label that introduces it ("mx.example.com replied:").</summary>
    private static string WithoutReply(string text, string reply)
    {
        if (reply.Length == 0) return text;
        var at = text.IndexOf(reply, StringComparison.Ordinal);
        if (at < 0) return text;
        var before = text[..at].TrimEnd();
        if (before.EndsWith(':'))
        {
            // The label runs back to the end of the sentence before it, if any.
            var sentence = before.LastIndexOf(". ", StringComparison.Ordinal);
            before = sentence < 0 ? "" : before[..(sentence + 1)];
        }
        var after = text[(at + reply.Length)..].TrimStart('.', ';', ',', ' ').TrimEnd();
        return (before + " " + after).Trim();
    }

    private static string? OriginalAddress(string? orcpt)
    {
        if (string.IsNullOrWhiteSpace(orcpt)) return null;
        var semicolon = orcpt.IndexOf(';', StringComparison.Ordinal);
        var address = MimeText.OneLine(semicolon >= 0 ? orcpt[(semicolon + 1)..] : orcpt);
        // A person reads j\x{F6}rg as jörg (RFC 6533 §3); the machine part keeps the escaped form.
        if (semicolon > 0 && orcpt[..semicolon].Trim().Equals("utf-8", StringComparison.OrdinalIgnoreCase)) address = MimeText.OneLine(MimeText.FromUtf8AddrXtext(address));
        return address.Length == 0 ? null : address;
    }

    /// <summary>Appends <paramref name="text"/> wrapped at spaces, the first line after <paramref name="first"/>, the rest after <paramref name="rest"/>.</summary>
    private static void Wrap(StringBuilder w, string first, string text, string rest)
    {
        var line = new StringBuilder(first);
        var hasWord = false;
        // Callers put foreign text on one line first; empty words keep deliberate double spaces (the "Subject:  " column).
        foreach (var word in text.Split(' '))
        {
            if (hasWord && line.Length + 1 + word.Length > Width)
            {
                w.Append(line).Append(MimeText.Crlf);
                line.Clear().Append(rest);
                hasWord = false;
            }
            if (hasWord) line.Append(' ');
            line.Append(word);
            hasWord = true;
        }
        w.Append(line).Append(MimeText.Crlf);
    }
}
