using System.Collections.Frozen;
using System.Globalization;
using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Directory;

/// <summary>The organization's recipients, indexed by every proxy address and by alias.</summary>
/// <remarks>
/// <para>Immutable once built: a configuration reload builds a new one. Look-up by any proxy
/// address is one hash of the address (<see cref="TypedAddress"/> equality: the type's comparison
/// rule, with no key string built for SMTP addresses).</para>
/// <para>Building checks what Exchange's directory would refuse: duplicate aliases, an address held
/// by two recipients, two primaries of one type, list members that do not exist. Address templates
/// give each mailbox without a primary address at the template's domain one generated address; a generated
/// address that another recipient already holds gets a number (<c>john.doe2@</c>) and a notice.</para>
/// </remarks>
public sealed class RecipientDirectory
{
    private readonly SmtpAddressIndex _smtp;
    private readonly FrozenDictionary<TypedAddress, DirectoryRecipient> _byAddress;
    private readonly FrozenDictionary<string, DirectoryRecipient> _byAlias;

    private RecipientDirectory(SmtpAddressIndex smtp, FrozenDictionary<TypedAddress, DirectoryRecipient> byAddress, FrozenDictionary<string, DirectoryRecipient> byAlias)
    {
        _smtp = smtp;
        _byAddress = byAddress;
        _byAlias = byAlias;
    }

    public static RecipientDirectory Empty { get; } = Build([], [], out _);

    public int Count => _byAlias.Count;

    public IEnumerable<DirectoryRecipient> Recipients => _byAlias.Values;

    /// <summary>The recipient that holds this address, or null.</summary>
    public DirectoryRecipient? Find(TypedAddress address) => address.Mailbox is { } m ? _smtp.Find(m) : _byAddress.GetValueOrDefault(address);

    /// <summary>The recipient with this alias (case-insensitive), or null.</summary>
    public DirectoryRecipient? FindAlias(string alias) => _byAlias.GetValueOrDefault(alias);

    /// <summary>Builds the directory; <paramref name="problems"/> lists errors (refuse the configuration) and notices.</summary>
    public static RecipientDirectory Build(IEnumerable<DirectoryRecipient> recipients, IReadOnlyList<AddressTemplate> templates, out IReadOnlyList<DirectoryProblem> problems) =>
        Build(recipients, _ => templates, out problems);

    /// <summary>Builds the directory with templates chosen per mailbox (Exchange's site addressing: the templates of the mailbox's site).</summary>
    public static RecipientDirectory Build(IEnumerable<DirectoryRecipient> recipients, Func<MailboxRecipient, IReadOnlyList<AddressTemplate>> templatesFor, out IReadOnlyList<DirectoryProblem> problems)
    {
        var found = new List<DirectoryProblem>();
        var byAlias = new Dictionary<string, DirectoryRecipient>(StringComparer.OrdinalIgnoreCase);
        var byAddress = new Dictionary<TypedAddress, DirectoryRecipient>();
        var all = new List<DirectoryRecipient>();

        foreach (var r in recipients)
        {
            if (!byAlias.TryAdd(r.Alias, r))
            {
                found.Add(new DirectoryProblem(r.Alias, $"alias '{r.Alias}' is used by more than one recipient", true));
                continue;
            }
            foreach (var dup in r.ProxyAddresses.Where(p => p.IsPrimary).GroupBy(p => p.Address.Type).Where(g => g.Count() > 1))
            {
                found.Add(new DirectoryProblem(r.Alias, $"has {dup.Count()} primary {dup.Key} addresses; one may be primary (upper-case prefix), the others must be secondary", true));
            }
            all.Add(r);
            foreach (var p in r.ProxyAddresses)
            {
                if (byAddress.TryGetValue(p.Address, out var holder))
                {
                    if (!ReferenceEquals(holder, r)) found.Add(new DirectoryProblem(r.Alias, $"address {p.Address} is already held by '{holder.Alias}'", true));
                }
                else
                {
                    byAddress.Add(p.Address, r);
                }
            }
        }

        // Generated addresses come after every explicit one, so an explicit address always wins a collision.
        for (var i = 0; i < all.Count; i++)
        {
            if (all[i] is not MailboxRecipient m) continue;
            var templates = templatesFor(m);
            var added = new List<ProxyAddress>();
            TypedAddress? promoted = null;
            foreach (var t in templates)
            {
                // An explicit primary at the template's domain is the administrator's choice; otherwise the template applies.
                if (m.ProxyAddresses.Any(p => p.IsPrimary && p.Address.Mailbox?.Domain == t.Domain)) continue;
                var generated = t.Generate(new TemplateFacts(m.Alias, m.GivenName, m.Surname, m.Initials, m.DisplayName));
                if (generated is null)
                {
                    found.Add(new DirectoryProblem(m.Alias, $"template {t.Text} gives no valid address for this mailbox (a name it needs is missing)", false));
                    continue;
                }
                var primary = promoted is null && !m.ProxyAddresses.Concat(added).Any(p => p.IsPrimary && p.Address.Type.IsSmtp);
                var address = TypedAddress.FromMailbox(generated);
                if (byAddress.TryGetValue(address, out var self) && ReferenceEquals(self, m))
                {
                    // The mailbox already has the generated address as a secondary: that is no collision, and it
                    // becomes the primary when the mailbox has none, as a newly generated one would.
                    if (primary) promoted = address;
                    continue;
                }
                for (var n = 2; byAddress.ContainsKey(address) && n < 1000; n++)
                {
                    address = TypedAddress.FromMailbox(generated with { LocalPart = Numbered(generated.LocalPart, n) });
                }
                if (byAddress.ContainsKey(address))
                {
                    found.Add(new DirectoryProblem(m.Alias, $"template {t.Text}: {generated} and 998 numbered variants are all taken", true));
                    continue;
                }
                if (address.Mailbox != generated) found.Add(new DirectoryProblem(m.Alias, $"template {t.Text}: {generated} is already taken, generated {address.Value} instead", false));
                var proxy = new ProxyAddress(address, primary);
                added.Add(proxy);
                byAddress.Add(address, m);
            }
            if (added.Count > 0 || promoted is not null)
            {
                var kept = m.ProxyAddresses.ToList();
                if (promoted is not null)
                {
                    var at = kept.FindIndex(p => p.Address == promoted);
                    if (at >= 0) kept[at] = kept[at] with { IsPrimary = true };
                }
                var updated = m with { ProxyAddresses = [.. kept, .. added] };
                all[i] = updated;
                byAlias[m.Alias] = updated;
                // Only the addresses this mailbox holds: one it lost to an earlier holder stays with that holder.
                foreach (var p in updated.ProxyAddresses)
                {
                    if (ReferenceEquals(byAddress[p.Address], m)) byAddress[p.Address] = updated;
                }
            }
        }

        foreach (var list in all.OfType<DistributionListRecipient>())
        {
            foreach (var member in list.Members.Where(a => !byAlias.ContainsKey(a)))
            {
                found.Add(new DirectoryProblem(list.Alias, $"member '{member}' is not in the directory", true));
            }
            foreach (var sender in (list.AcceptFrom ?? []).Where(a => !byAlias.ContainsKey(a)))
            {
                found.Add(new DirectoryProblem(list.Alias, $"accept_from '{sender}' is not in the directory", true));
            }
        }

        problems = found;
        var smtp = new SmtpAddressIndex(byAddress.Where(e => e.Key.Mailbox is not null).Select(e => (e.Key.Mailbox!, e.Value)).ToList());
        var others = byAddress.Where(e => e.Key.Mailbox is null).ToFrozenDictionary();
        return new RecipientDirectory(smtp, others, byAlias.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The local part with a number appended, shortened first so it stays within RFC 5321's 64 octets.</summary>
    private static string Numbered(string localPart, int n)
    {
        // Generated local parts are ASCII (AddressTemplate drops the rest), so characters are octets.
        var suffix = n.ToString(CultureInfo.InvariantCulture);
        var room = SmtpPathParser.MaxLocalPartOctets - suffix.Length;
        return (localPart.Length > room ? localPart[..room] : localPart) + suffix;
    }

    /// <summary>Expands a list to the mailboxes and contacts it reaches through any nesting.</summary>
    /// <remarks>
    /// Each recipient appears once however many lists reach it; a list that contains itself, directly
    /// or through others, is expanded once and the cycle is reported in <see cref="ListExpansion.Cycles"/>
    /// rather than followed.
    /// </remarks>
    public ListExpansion Expand(DistributionListRecipient list)
    {
        var members = new List<DirectoryRecipient>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var cycles = new List<string>();
        // An explicit stack, not recursion: a directory may nest lists deeper than a thread's stack.
        var path = new List<(DistributionListRecipient List, int Next)>();
        var onPath = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        Enter(list);
        while (path.Count > 0)
        {
            var (l, next) = path[^1];
            if (next >= l.Members.Count)
            {
                onPath.Remove(l.Alias);
                path.RemoveAt(path.Count - 1);
                continue;
            }
            path[^1] = (l, next + 1);
            if (FindAlias(l.Members[next]) is not { } r) continue;
            if (r is DistributionListRecipient nested)
            {
                if (onPath.Contains(nested.Alias))
                {
                    var at = path.FindIndex(e => e.List.Alias.Equals(nested.Alias, StringComparison.OrdinalIgnoreCase));
                    cycles.Add(string.Join(" -> ", path.Skip(at).Select(e => e.List.Alias).Append(nested.Alias)));
                }
                else if (!seen.Contains(nested.Alias))
                {
                    Enter(nested);
                }
            }
            else if (seen.Add(r.Alias))
            {
                members.Add(r);
            }
        }
        return new ListExpansion(members, cycles);

        void Enter(DistributionListRecipient l)
        {
            path.Add((l, 0));
            onPath.Add(l.Alias);
            seen.Add(l.Alias);
        }
    }
}

/// <summary>The result of expanding a list: the recipients reached, and any cycles found on the way.</summary>
public sealed record ListExpansion(IReadOnlyList<DirectoryRecipient> Members, IReadOnlyList<string> Cycles);
