using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Addresses;
using Gatehouse.Core.Resolution;
using Gatehouse.Core.Tests.Support;

namespace Gatehouse.Core.Tests.Resolution;

/// <summary>
/// The resolver never throws, and never turns an address that is not ours into something that stays
/// inside: relay safety (seeds Q237927, Q264330) must not depend on which addresses a test thought of.
/// </summary>
public class AddressResolverPropertyTests
{
    // Fragments on the resolver's decision points: our names, IMCEA escapes, routing characters, outside domains.
    private static readonly string[] LocalTokens =
    [
        "jdoe", "John.Doe", "partner", "sales", "postmaster", "nobody", "u", "IMCEA", "IMCEASMTP-", "imceasmtp-", "IMCEAEX-",
        "IMCEAX400-", "IMCEASMTPOUT-", "IMCEA ", "+40", "+2E", "+2e", "+25", "+21", "+22", "+2B", "+5B", "+5D", "+4", "+ZZ", "+0D",
        "_O=CONTOSO", "_OU=HQ", "_CN=RECIPIENTS_CN=JDOE", "%", "!", "@", ".", "\"", " ", "contoso.com", "sales.contoso.com",
        "ext.com", "fabrikam.example", "sub.contoso.com", "[192.0.2.1]", "é", "-", "=", ";", "g=John", "\0", "\ud800",
    ];

    private static readonly string[] Domains =
    [
        "contoso.com", "sales.contoso.com", "ext.com", "domain2.com", "fabrikam.example", "partner.example", "sub.contoso.com",
        "[192.0.2.1]", "[IPv6:2001:db8::1]", "", "CONTOSO.COM", "contoso.com.", "xn--bcher-kva.example",
    ];

    private static readonly Gen<string> Local = Gen.Elements(LocalTokens).NonEmptyListOf().Select(string.Concat);

    private static readonly Gen<Mailbox> RawMailbox =
        from local in Local
        from domain in Gen.Elements(Domains)
        select new Mailbox(local, domain);

    // Encapsulated at one of our domains, one to three times, around anything: the resolver must read through all of it.
    private static readonly Gen<Mailbox> Encapsulated =
        from inner in RawMailbox
        from type in Gen.Elements("SMTP", "SMTP", "EX", "X400", "SMTPOUT", "FAX")
        from levels in Gen.Choose(1, 3)
        from domain in Gen.Elements("contoso.com", "sales.contoso.com")
        select Encapsulate(inner, type, levels, domain);

    // Whole local parts that mean something here, so that every kind of destination is reached often.
    private static readonly Gen<Mailbox> Meaningful =
        from local in Gen.Elements("jdoe", "JDOE", "postmaster", "partner", "mueller", "legacy", "sales", "nobody", "user%ext.com", "jdoe%contoso.com", "ext.com!user", "user@ext.com", "IMCEA user@domain2.com")
        from domain in Gen.Elements(Domains)
        select new Mailbox(local, domain);

    private static readonly Gen<Mailbox> AnyMailbox = Gen.Frequency(
        (3, RawMailbox),
        (2, Meaningful),
        (2, Encapsulated),
        (1, from m in Meaningful from type in Gen.Elements("SMTP", "SMTPOUT") from levels in Gen.Choose(1, 2) select Encapsulate(m, type, levels, "contoso.com")));

    private static readonly Gen<ResolverContext> Contexts =
        from open in Gen.Elements(false, true)
        from max in Gen.Choose(0, 6)
        select (open ? SampleOrganization.Open : SampleOrganization.Context) with { MaxRewrites = max };

    private static Mailbox Encapsulate(Mailbox inner, string type, int levels, string domain)
    {
        var value = type == "SMTP" ? inner.ToWire() : type == "EX" ? "/O=CONTOSO/CN=" + inner.LocalPart : type == "X400" ? "c=US;s=" + inner.LocalPart : inner.ToWire();
        if (!TypedAddress.TryCreate(AddressType.Parse(type), value, out var address, out _)) return inner;
        var m = inner;
        for (var i = 0; i < levels; i++)
        {
            if (!Imcea.TryEncapsulate(address, domain, out var outer, out _)) break;
            m = outer;
            address = TypedAddress.FromMailbox(m);
        }
        return m;
    }

    [Fact]
    public void The_resolver_never_throws_and_never_keeps_an_outside_address_inside()
    {
        var counts = new Dictionary<DestinationKind, int>();
        Check.One(Properties.Deterministic(4000), Prop.ForAll(AnyMailbox.ToArbitrary(), Contexts.ToArbitrary(), (mailbox, context) =>
        {
            var inputs = new List<Destination> { AddressResolver.Resolve(mailbox, context) };
            // The same mailbox as it would arrive on the wire, when it can.
            var pos = 0;
            var wire = "<" + mailbox.ToWire() + ">";
            if (SmtpPathParser.TryParseForwardPath(wire, ref pos, utf8: true, out var parsed, out var route, out _) && pos == wire.Length)
            {
                inputs.Add(AddressResolver.Resolve(parsed, context, route));
            }
            foreach (var d in inputs)
            {
                CheckInvariants(d, context);
                counts[d.Kind] = counts.GetValueOrDefault(d.Kind) + 1;
            }
        }));
        // The generators must reach every kind an SMTP mailbox can resolve to, or the property proves little.
        foreach (var kind in Enum.GetValues<DestinationKind>()) Assert.True(counts.GetValueOrDefault(kind) > 20, $"{kind}: {counts.GetValueOrDefault(kind)}");
    }

    private static readonly Gen<TypedAddress?> Typed =
        from type in Gen.Elements("SMTP", "EX", "X500", "X400", "SMTPOUT", "MS", "FAX", "NOTES", "smtp")
        from local in Local
        from domain in Gen.Elements(Domains)
        from shape in Gen.Choose(0, 2)
        let value = shape switch
        {
            0 => local + "@" + domain,
            1 => "/O=CONTOSO/" + local,
            _ => local,
        }
        select TypedAddress.TryCreate(AddressType.Parse(type), value, out var a, out _) ? a : null;

    [Fact]
    public void Typed_addresses_resolve_without_throwing_and_by_the_same_rules()
    {
        var resolved = 0;
        Check.One(Properties.Deterministic(3000), Prop.ForAll(Typed.ToArbitrary(), Contexts.ToArbitrary(), (address, context) =>
        {
            if (address is null) return;
            resolved++;
            var d = AddressResolver.Resolve(address, context);
            CheckInvariants(d, context);
            if (!address.Type.IsSmtp && d.Chain.Count == 0)
            {
                // A non-SMTP address is the directory's, or unknown here (EX, X500: names of this organization), or a one-off.
                Assert.Equal(address, d.Address);
                var expected = address.Type == AddressType.Ex || address.Type == AddressType.X500 ? DestinationKind.UnknownLocal : DestinationKind.OneOff;
                Assert.Equal(expected, d.Kind);
            }
        }));
        Assert.True(resolved > 500, $"only {resolved} typed addresses were valid");
    }

    private static void CheckInvariants(Destination d, ResolverContext context)
    {
        Assert.NotNull(d);
        Assert.NotNull(d.Chain);
        Assert.NotEqual("", d.Reason);
        Assert.Equal(d.Kind is DestinationKind.Recipient or DestinationKind.List, d.Recipient is not null);
        var rewrites = d.Chain.Count(s => s.Rule is "decapsulate" or "percent-hack" or "bang-path");
        Assert.True(rewrites <= context.MaxRewrites, $"{rewrites} rewrites with MaxRewrites {context.MaxRewrites}");
        if (!context.SenderRouting.AllowPercentHack) Assert.DoesNotContain(d.Chain, s => s.Rule == "percent-hack");
        if (!context.SenderRouting.SwapBangPath) Assert.DoesNotContain(d.Chain, s => s.Rule == "bang-path");

        if (d.Kind == DestinationKind.Outside)
        {
            Assert.True(d.Address?.Mailbox is { } m && !context.IsAcceptedDomain(m.Domain), $"Outside but {d.Address}");
        }
        if (d.Kind == DestinationKind.SenderRouted) Assert.NotNull(d.Address);
        if (d.Kind is DestinationKind.UnknownLocal or DestinationKind.Postmaster && d.Address?.Mailbox is { } local)
        {
            Assert.True(context.IsAcceptedDomain(local.Domain), $"{d.Kind} at {local.Domain}");
        }

        // The relay invariant: an SMTP address at a domain that is not ours either leaves (and is relay-checked),
        // or is refused, or is an address a directory recipient holds.
        if (d.Address?.Mailbox is { } final && !context.IsAcceptedDomain(final.Domain))
        {
            var safe = d.LeavesOrganization
                || d.Kind is DestinationKind.SenderRouted or DestinationKind.Invalid
                || (d.Kind is DestinationKind.Recipient or DestinationKind.List && ReferenceEquals(context.Directory.Find(d.Address), d.Recipient));
            Assert.True(safe, $"{d.Kind} {d.Address} stays inside: {d.Reason}");
        }
        // And the other way: leaving is only ever an outside address, a one-off, or a contact's target.
        if (d.LeavesOrganization)
        {
            Assert.True(d.Kind is DestinationKind.Outside or DestinationKind.OneOff || d.Recipient is Gatehouse.Core.Directory.ContactRecipient, d.Kind.ToString());
        }
    }
}
