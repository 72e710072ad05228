namespace Gatehouse.Core.Addresses;

/// <summary>The forms of sender-specified routing a local part (or an envelope path) can take.</summary>
public enum SenderRoutingForm
{
    /// <summary>An ordinary local part: no routing hidden in it.</summary>
    None,

    /// <summary>An RFC 5321 source route (<c>&lt;@a,@b:user@c&gt;</c>), already dropped by the SMTP parser (RFC 5321 §3.6.1, Appendix C).</summary>
    SourceRoute,

    /// <summary>An IMCEA-encapsulated address at our domain (<c>IMCEASMTP-user+40ext.com@local</c>, seed Q237927; MS-OXCMAIL §2.2.3.1.2).</summary>
    ImceaEncapsulated,

    /// <summary>A quoted local part that holds a whole address (<c>"user@ext"@local</c>, <c>"IMCEA user@domain2.com"@local</c>, seed Q264330).</summary>
    QuotedAddress,

    /// <summary>The percent hack (<c>user%ext@local</c>; RFC 1123 §5.2.16 tolerated it, RFC 5321 §2.4 leaves local parts to their host).</summary>
    PercentHack,

    /// <summary>A UUCP bang path (<c>ext!user@local</c>, RFC 976).</summary>
    BangPath,
}

/// <summary>
/// Switches for the sender-specified routing forms that Postfix also lets an administrator turn on.
/// The defaults are the safe ones: nothing is honoured except IMCEA decapsulation.
/// </summary>
/// <remarks>
/// There is deliberately no switch for <see cref="SenderRoutingForm.QuotedAddress"/> (no legitimate
/// sender needs it; it is what opened the relay in seed Q264330) nor for IMCEA decapsulation (Exchange
/// needs it to reply to encapsulated senders; the relay check on the decapsulated address keeps it safe).
/// </remarks>
public sealed record SenderRoutingOptions
{
    /// <summary>The defaults: percent hack and bang paths are not honoured.</summary>
    public static readonly SenderRoutingOptions Default = new();

    /// <summary>Postfix's <c>allow_percent_hack</c>: rewrite <c>user%ext@local</c> to <c>user@ext</c>. Off by default.</summary>
    public bool AllowPercentHack { get; init; }

    /// <summary>Postfix's <c>swap_bangpath</c>: rewrite <c>ext!user@local</c> to <c>user@ext</c>. Off by default.</summary>
    public bool SwapBangPath { get; init; }
}

/// <summary>
/// What <see cref="SenderRoutingClassifier.Classify"/> found in one address: the form, the address it
/// hides, whether these options honour it, and a sentence for traces and NDRs.
/// </summary>
/// <param name="Form">The form; <see cref="SenderRoutingForm.None"/> for an ordinary address.</param>
/// <param name="Hidden">The destination the form points at, when it can be read; null for
/// <see cref="SenderRoutingForm.None"/> and <see cref="SenderRoutingForm.SourceRoute"/>, and when the
/// hidden text is not a valid address (<see cref="Error"/> then says why).</param>
/// <param name="Honoured">True when, under the options, <see cref="Hidden"/> replaces the surface
/// address and must be resolved (and relay-checked) in its place. False means the surface address is
/// not rewritten: a resolver should refuse it, naming <see cref="Hidden"/>, and must never deliver to
/// <see cref="Hidden"/>.</param>
/// <param name="Error">Why the hidden part could not be read, or "".</param>
/// <param name="Meaning">One line for the trace: what the form is and what Gatehouse does with it.</param>
public sealed record SenderRoutingResult(SenderRoutingForm Form, TypedAddress? Hidden, bool Honoured, string Error, string Meaning)
{
    /// <summary>True for every form that hides a destination in the local part (all but None and SourceRoute).</summary>
    public bool IsSenderSpecifiedRouting => Form is not SenderRoutingForm.None and not SenderRoutingForm.SourceRoute;
}

/// <summary>
/// Says whether a mailbox at one of our own domains hides another destination in its local part
/// (sender-specified routing), and which. It decides nothing about relaying: the resolver combines
/// the result with the client's rights, and the relay check runs on the final destination.
/// </summary>
/// <remarks>
/// <para><b>Reads</b> only the mailbox (and the source route the SMTP parser dropped). The caller
/// calls it only for mailboxes at our accepted domains: RFC 5321 §2.4 makes a local part the business
/// of the host its domain names, so another domain's local part is never interpreted.</para>
/// <para><b>Order</b>, first match wins, as Postfix's trivial-rewrite resolves them: IMCEA (the local
/// part starts with <c>IMCEA</c>, a type name and <c>-</c>), then an <c>@</c> inside a quoted local
/// part, then the rightmost <c>%</c>, then the leftmost <c>!</c>, then a source route.</para>
/// <para><b>Meanings</b> (the table is in docs/addresses.md):</para>
/// <list type="bullet">
/// <item>IMCEA: decapsulated (<see cref="Imcea.Decode"/>); honoured — the hidden typed address is the
/// destination. A broken encoding is an error, not a guess: Hidden is null and Error says why.</item>
/// <item>Quoted address: never honoured. The text after the last <c>@</c> is the hidden domain; the
/// seed Q264330 form <c>"IMCEA user@domain2.com"</c> (IMCEA, white space, address) hides
/// <c>user@domain2.com</c>.</item>
/// <item>Percent hack: <c>a%b%c@local</c> hides <c>a%b@c</c>; honoured only with
/// <see cref="SenderRoutingOptions.AllowPercentHack"/>.</item>
/// <item>Bang path: <c>a!b!user@local</c> hides <c>b!user@a</c>; honoured only with
/// <see cref="SenderRoutingOptions.SwapBangPath"/>.</item>
/// <item>Source route: ignored as RFC 5321 §3.6.1 says; the mailbox itself is the destination, so
/// nothing is hidden and nothing is honoured.</item>
/// </list>
/// Never throws on any mailbox.
/// </remarks>
public static class SenderRoutingClassifier
{
    private static readonly SenderRoutingResult Plain = new(SenderRoutingForm.None, null, false, "", "ordinary address");

    /// <summary>Classifies <paramref name="mailbox"/>, a mailbox at one of our accepted domains.</summary>
    /// <param name="mailbox">The mailbox from the SMTP or header parser.</param>
    /// <param name="options">The switches; <see cref="SenderRoutingOptions.Default"/> when null.</param>
    /// <param name="sourceRoute">The route <see cref="SmtpPathParser.TryParseForwardPath(string, ref int, bool, out Mailbox, out string, out string)"/> dropped, or "".</param>
    public static SenderRoutingResult Classify(Mailbox mailbox, SenderRoutingOptions? options = null, string sourceRoute = "")
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        options ??= SenderRoutingOptions.Default;
        var local = mailbox.LocalPart;

        var imcea = Imcea.Decode(local);
        if (imcea.Status == ImceaStatus.Decapsulated)
            return new(SenderRoutingForm.ImceaEncapsulated, imcea.Address, true, "", "IMCEA-encapsulated address, decapsulated; the hidden address is the destination");
        if (imcea.Status == ImceaStatus.Malformed)
            return new(SenderRoutingForm.ImceaEncapsulated, null, false, imcea.Error, "malformed IMCEA encapsulation, refused");

        var at = local.LastIndexOf('@');
        if (at >= 0)
        {
            var hiddenLocal = local[..at];
            // Seed Q264330: "IMCEA user@domain2.com" — the prefix and white space are noise around the address.
            if (hiddenLocal.Length > Imcea.Prefix.Length && hiddenLocal.StartsWith(Imcea.Prefix, StringComparison.OrdinalIgnoreCase) && char.IsWhiteSpace(hiddenLocal[Imcea.Prefix.Length]))
                hiddenLocal = hiddenLocal[Imcea.Prefix.Length..].TrimStart();
            return Hidden(SenderRoutingForm.QuotedAddress, hiddenLocal, local[(at + 1)..], honoured: false,
                "quoted local part holding an address; sender-specified routing, never honoured");
        }

        var percent = local.LastIndexOf('%');
        if (percent >= 0)
        {
            return Hidden(SenderRoutingForm.PercentHack, local[..percent], local[(percent + 1)..], options.AllowPercentHack,
                options.AllowPercentHack ? "percent hack, honoured (allow_percent_hack): the hidden address is the destination"
                                         : "percent hack; sender-specified routing, not honoured");
        }

        var bang = local.IndexOf('!');
        if (bang >= 0)
        {
            return Hidden(SenderRoutingForm.BangPath, local[(bang + 1)..], local[..bang], options.SwapBangPath,
                options.SwapBangPath ? "bang path, honoured (swap_bangpath): the hidden address is the destination"
                                     : "bang path; sender-specified routing, not honoured");
        }

        if (!string.IsNullOrEmpty(sourceRoute))
            return new(SenderRoutingForm.SourceRoute, null, false, "", $"source route {sourceRoute} ignored (RFC 5321 3.6.1); the mailbox is the destination");

        return Plain;
    }

    private static SenderRoutingResult Hidden(SenderRoutingForm form, string local, string domain, bool honoured, string meaning)
    {
        if (local.Length == 0 || domain.Length == 0)
            return new(form, null, false, "the hidden address has an empty local part or domain", meaning);
        if (!SmtpPathParser.TryParseMailbox(Mailbox.QuoteLocalPart(local) + "@" + domain, utf8: true, out var hidden, out var error))
            return new(form, null, false, "the hidden address is not a valid mailbox: " + error, meaning);
        return new(form, TypedAddress.FromMailbox(hidden), honoured, "", meaning);
    }
}
