using Gatehouse.Core.Addresses;
using Gatehouse.Core.Directory;

namespace Gatehouse.Core.Resolution;

/// <summary>What the resolver needs from the configuration snapshot.</summary>
/// <param name="IsAcceptedDomain">True for a domain (lower-case ASCII) that this organization receives mail for.</param>
public sealed record ResolverContext(Func<string, bool> IsAcceptedDomain, RecipientDirectory Directory, SenderRoutingOptions SenderRouting)
{
    /// <summary>Most rewrites one address may go through (an IMCEA address may hide another).</summary>
    public int MaxRewrites { get; init; } = 4;

    /// <summary>Record the chain of rewrites and the reasons in words. Off, the destination is the same
    /// but comes without its explanation (only refusals keep their reason): the SMTP hot path.</summary>
    public bool Explain { get; init; } = true;

    /// <summary>True for an address literal (as the SMTP parser writes it: <c>[192.0.2.1]</c>, <c>[IPv6:2001:db8::1]</c>) that names this server.</summary>
    public Func<string, bool> IsOwnAddressLiteral { get; init; } = _ => false;
}

/// <summary>Turns any surface address into one canonical <see cref="Destination"/> (DESIGN.md invariant 1).</summary>
/// <remarks>
/// <para>Order for an SMTP mailbox: the directory first (an address a recipient holds is that
/// recipient, whatever its local part looks like); then, at our own domains only, sender-specified
/// routing (IMCEA decapsulation, a quoted address, percent hack, bang path — see
/// <see cref="SenderRoutingClassifier"/>), whose honoured forms are rewritten and resolved again;
/// then postmaster; then "unknown here". Any other domain is outside. A non-SMTP address is looked
/// up in the directory, else it is a one-off (EX and X500 names are ours by definition, so an
/// unknown one is unknown here, not a one-off).</para>
/// <para>It decides nothing about relaying: <see cref="Destination.LeavesOrganization"/> and the chain
/// go to the relay decision, which runs on the final destination. It never throws on any address.</para>
/// </remarks>
public static class AddressResolver
{
    /// <summary>Resolves an envelope recipient.</summary>
    /// <param name="sourceRoute">The source route the SMTP parser dropped, if any, so the trace can say so.</param>
    public static Destination Resolve(Mailbox mailbox, ResolverContext context, string sourceRoute = "")
    {
        var chain = context.Explain ? new List<ResolutionStep>() : null;
        if (sourceRoute.Length > 0) chain?.Add(new ResolutionStep("source-route", $"<{sourceRoute}:{mailbox.ToWire()}>", mailbox.ToWire(), "source route ignored (RFC 5321 3.6.1)"));
        if (mailbox.Domain.Length == 0)
        {
            if (!mailbox.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            {
                return new Destination(DestinationKind.Invalid, null, null, Chain(chain), "only <postmaster> may be given without a domain (RFC 5321 4.1.1.3)");
            }
            // The bare <Postmaster> of RFC 5321 4.1.1.3: whichever postmaster the directory names, else ours.
            return context.Directory.FindAlias("postmaster") is { } pm
                ? Found(pm, pm.PrimaryAddress(AddressType.Smtp), chain, context, 0)
                : new Destination(DestinationKind.Postmaster, null, null, Chain(chain), "the postmaster of this organization");
        }
        return ResolveSmtp(TypedAddress.FromMailbox(mailbox), context, chain, 0);
    }

    /// <summary>Resolves an address of any type (a one-off, an EX name, an administrator's query).</summary>
    public static Destination Resolve(TypedAddress address, ResolverContext context) => ResolveTyped(address, context, context.Explain ? [] : null, 0);

    private static Destination ResolveTyped(TypedAddress address, ResolverContext context, List<ResolutionStep>? chain, int depth)
    {
        if (address.Type.IsSmtp) return ResolveSmtp(address, context, chain, depth);
        if (context.Directory.Find(address) is { } r) return Found(r, address, chain, context, depth);
        if (address.Type == AddressType.Ex || address.Type == AddressType.X500)
        {
            return new Destination(DestinationKind.UnknownLocal, address, null, Chain(chain), context.Explain ? $"no recipient of this organization has the {address.Type} address {address.Value}" : "");
        }
        return new Destination(DestinationKind.OneOff, address, null, Chain(chain), context.Explain ? $"a {address.Type} address that no recipient holds: routing must find a connector for type {address.Type}" : "");
    }

    private static Destination ResolveSmtp(TypedAddress address, ResolverContext context, List<ResolutionStep>? chain, int depth)
    {
        if (context.Directory.Find(address) is { } r) return Found(r, address, chain, context, depth);
        var mailbox = address.Mailbox!;
        if (mailbox.Domain.StartsWith('[') && context.IsOwnAddressLiteral(mailbox.Domain))
        {
            // An address literal naming this server names this server (RFC 5321 4.1.3), and its postmaster
            // must be reachable there (4.5.1), as Postfix takes user@[its own address] as local. No other
            // mailbox is known by a bare address, and nothing at it is relayed on, whatever the local part hides.
            if (mailbox.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
            {
                chain?.Add(new ResolutionStep("own-address-literal", address.ToString(), "postmaster", $"{mailbox.Domain} is this server's own address"));
                return context.Directory.FindAlias("postmaster") is { } pm
                    ? Found(pm, address, chain, context, depth)
                    : new Destination(DestinationKind.Postmaster, address, null, Chain(chain), "the postmaster of this organization");
            }
            return new Destination(DestinationKind.UnknownLocal, address, null, Chain(chain),
                context.Explain ? $"{mailbox.Domain} is this server's own address, where only postmaster is a mailbox" : "");
        }
        if (!context.IsAcceptedDomain(mailbox.Domain))
        {
            return new Destination(DestinationKind.Outside, address, null, Chain(chain), context.Explain ? $"{mailbox.Domain} is not a domain of this organization" : "");
        }

        var routing = SenderRoutingClassifier.Classify(mailbox, context.SenderRouting);
        if (routing.IsSenderSpecifiedRouting)
        {
            if (routing.Hidden is null)
            {
                return new Destination(DestinationKind.Invalid, address, null, Chain(chain), $"{routing.Meaning}: {routing.Error}");
            }
            if (!routing.Honoured)
            {
                return new Destination(DestinationKind.SenderRouted, routing.Hidden, null, Chain(chain),
                    $"{routing.Meaning}; it hides {routing.Hidden}");
            }
            if (depth >= context.MaxRewrites)
            {
                return new Destination(DestinationKind.Invalid, address, null, Chain(chain), $"more than {context.MaxRewrites} rewrites; refusing to follow further");
            }
            chain?.Add(new ResolutionStep(RuleName(routing.Form), address.ToString(), routing.Hidden.ToString(), routing.Meaning));
            return ResolveTyped(routing.Hidden, context, chain, depth + 1);
        }

        if (mailbox.LocalPart.Equals("postmaster", StringComparison.OrdinalIgnoreCase))
        {
            return context.Directory.FindAlias("postmaster") is { } pm
                ? Found(pm, address, chain, context, depth)
                : new Destination(DestinationKind.Postmaster, address, null, Chain(chain), "the postmaster of this organization");
        }
        return new Destination(DestinationKind.UnknownLocal, address, null, Chain(chain), context.Explain ? $"no recipient of this organization has the address {address.Value}" : "");
    }

    private static Destination Found(DirectoryRecipient r, TypedAddress? matched, List<ResolutionStep>? chain, ResolverContext context, int depth)
    {
        chain?.Add(new ResolutionStep("directory", matched?.ToString() ?? r.Alias, r.Alias, $"{r.Kind} '{r.Alias}' ({r.DisplayName})"));
        switch (r)
        {
            case ContactRecipient c:
                chain?.Add(new ResolutionStep("contact-target", r.Alias, c.Target.ToString(), "a contact's mail goes to its target address, resolved here, not at its home site"));
                if (depth >= context.MaxRewrites)
                {
                    return new Destination(DestinationKind.Invalid, c.Target, null, Chain(chain), $"more than {context.MaxRewrites} rewrites; refusing to follow further");
                }
                // A target inside the organization is resolved on: the contact is then only a forwarding name.
                var target = ResolveTyped(c.Target, context, chain, depth + 1);
                return target.Kind is DestinationKind.Outside or DestinationKind.OneOff
                    ? new Destination(DestinationKind.Recipient, c.Target, r, Chain(chain), context.Explain ? $"contact '{r.Alias}', target {c.Target}" : "")
                    : target;
            case DistributionListRecipient:
                return new Destination(DestinationKind.List, matched, r, Chain(chain), context.Explain ? $"distribution list '{r.Alias}'" : "");
            default:
                return new Destination(DestinationKind.Recipient, matched, r, Chain(chain), context.Explain ? $"{r.Kind} '{r.Alias}'" : "");
        }
    }

    private static IReadOnlyList<ResolutionStep> Chain(List<ResolutionStep>? chain) => chain ?? (IReadOnlyList<ResolutionStep>)[];

    private static string RuleName(SenderRoutingForm form) => form switch
    {
        SenderRoutingForm.ImceaEncapsulated => "decapsulate",
        SenderRoutingForm.PercentHack => "percent-hack",
        SenderRoutingForm.BangPath => "bang-path",
        SenderRoutingForm.QuotedAddress => "quoted-address",
        SenderRoutingForm.SourceRoute => "source-route",
        _ => form.ToString(),
    };
}
