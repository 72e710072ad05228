using System.Text;

namespace Gatehouse.Core.Notices;

/// <summary>Writes the body of the message/delivery-status or message/global-delivery-status part: per-message fields, then one block per recipient.</summary>
/// <remarks>
/// <para>RFC 3464 §2.2 (Reporting-MTA, Received-From-MTA, Original-Envelope-Id, Arrival-Date) and §2.3
/// (Original-Recipient, Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code,
/// Last-Attempt-Date, Will-Retry-Until), blocks separated by an empty line. It does not check that
/// the statuses are codes; the composer does.</para>
/// <para>A message/delivery-status part is 7-bit: a non-ASCII address is written as RFC 6533
/// utf-8-addr-xtext, and non-ASCII in remote reply text becomes '?'. A global one (RFC 6533 §4) holds
/// UTF-8: such an address is utf-8-addr-unitext, readable as written, and reply text keeps its
/// characters (§6.2 lets the smtp diagnostic type carry UTF-8 there). Host names are A-labels either
/// way. Remote text is put on one line and folded, so a hostile reply cannot add fields.</para>
/// </remarks>
internal static class DsnStatusFields
{
    public static string Write(DeliveryReport report, bool global)
    {
        var w = new StringBuilder();
        w.Append(MimeText.Fold("Reporting-MTA", "dns; " + MimeText.MtaName(report.ReportingMta)));
        var helo = MimeText.MtaName(report.ReceivedFromMta ?? "");
        if (helo.Length > 0) w.Append(MimeText.Fold("Received-From-MTA", "dns; " + helo));
        var envid = MimeText.Ascii7(MimeText.OneLine(report.EnvelopeId));
        if (envid.Length > 0) w.Append(MimeText.Fold("Original-Envelope-Id", envid));
        w.Append(MimeText.Fold("Arrival-Date", MimeText.Date(report.ArrivalDate)));

        foreach (var r in report.Recipients)
        {
            w.Append(MimeText.Crlf);
            if (OriginalRecipient(r.OriginalRecipient, global) is { } orcpt) w.Append(MimeText.Fold("Original-Recipient", orcpt));
            w.Append(MimeText.Fold("Final-Recipient", TypedAddress("rfc822", MimeText.OneLine(r.FinalRecipient), global)));
            w.Append(MimeText.Fold("Action", ActionName(r.Action)));
            w.Append(MimeText.Fold("Status", r.Status));
            if (r.RemoteMta is not null) w.Append(MimeText.Fold("Remote-MTA", "dns; " + MimeText.MtaName(r.RemoteMta)));
            var diagnostic = MimeText.OneLine(r.DiagnosticCode);
            if (!global) diagnostic = MimeText.Ascii7(diagnostic);
            if (diagnostic.Length > 0) w.Append(MimeText.Fold("Diagnostic-Code", "smtp; " + diagnostic));
            if (r.LastAttempt is { } last) w.Append(MimeText.Fold("Last-Attempt-Date", MimeText.Date(last)));
            if (r.Action == DsnAction.Delayed && r.WillRetryUntil is { } until) w.Append(MimeText.Fold("Will-Retry-Until", MimeText.Date(until)));
        }
        return w.ToString();
    }

    public static string ActionName(DsnAction action) => action switch
    {
        DsnAction.Failed => "failed",
        DsnAction.Delayed => "delayed",
        DsnAction.Delivered => "delivered",
        DsnAction.Relayed => "relayed",
        DsnAction.Expanded => "expanded",
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>True when a recipient's final or original address is not ASCII, which only a global report can show as written.</summary>
    public static bool HasInternationalAddress(DeliveryReport report) =>
        report.Recipients.Any(r => !Ascii.IsValid(MimeText.OneLine(r.FinalRecipient))
            || (SplitOriginal(r.OriginalRecipient) is { } o && !Ascii.IsValid(o.Type == "utf-8" ? MimeText.FromUtf8AddrXtext(o.Address) : o.Address)));

    /// <summary>ORCPT as "type;address"; a missing type is rfc822 and a type that is not an atom is replaced by rfc822.</summary>
    private static string? OriginalRecipient(string? orcpt, bool global)
    {
        if (SplitOriginal(orcpt) is not var (type, address)) return null;
        // ORCPT comes as utf-8-addr-xtext (RFC 6533 §3); a global report shows the characters themselves.
        if (global && type == "utf-8") return "utf-8; " + MimeText.Utf8AddrUnitext(MimeText.FromUtf8AddrXtext(address));
        return TypedAddress(type, address, global);
    }

    private static (string Type, string Address)? SplitOriginal(string? orcpt)
    {
        var text = MimeText.OneLine(orcpt);
        if (text.Length == 0) return null;
        var semicolon = text.IndexOf(';', StringComparison.Ordinal);
        var type = semicolon > 0 ? text[..semicolon].Trim() : "rfc822";
        var address = (semicolon >= 0 ? text[(semicolon + 1)..] : text).Trim();
        if (address.Length == 0) return null;
        if (type.Length == 0 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')) type = "rfc822";
        return (type.Equals("utf-8", StringComparison.OrdinalIgnoreCase) ? "utf-8" : type, address);
    }

    /// <summary>An address with its RFC 3464 address-type; one that is not ASCII gets the RFC 6533 utf-8 type, as xtext or, in a global report, unitext.</summary>
    private static string TypedAddress(string type, string address, bool global) =>
        Ascii.IsValid(address) ? $"{type}; {address}"
        : "utf-8; " + (global ? MimeText.Utf8AddrUnitext(address) : MimeText.Utf8AddrXtext(address));
}
