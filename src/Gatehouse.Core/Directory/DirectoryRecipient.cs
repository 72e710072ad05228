using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Directory;

/// <summary>A recipient of the organization's directory: what every kind has in common.</summary>
/// <remarks>
/// Aliases are unique in the directory and compared case-insensitively. Proxy addresses follow
/// Exchange: per type, at most one primary (upper-case prefix), which is the reply address of that
/// type; the rest are secondary addresses that also receive mail.
/// </remarks>
public abstract record DirectoryRecipient(string Alias, string DisplayName, IReadOnlyList<ProxyAddress> ProxyAddresses)
{
    /// <summary>The primary address of a type, else the first of that type, else null.</summary>
    public TypedAddress? PrimaryAddress(AddressType type)
    {
        TypedAddress? first = null;
        foreach (var p in ProxyAddresses)
        {
            if (p.Address.Type != type) continue;
            if (p.IsPrimary) return p.Address;
            first ??= p.Address;
        }
        return first;
    }

    /// <summary>"mailbox", "contact" or "list", for traces and tracking.</summary>
    public abstract string Kind { get; }
}

/// <summary>A mailbox homed on one of the organization's servers.</summary>
public sealed record MailboxRecipient(
    string Alias,
    string DisplayName,
    IReadOnlyList<ProxyAddress> ProxyAddresses,
    string HomeServer,
    string? GivenName = null,
    string? Surname = null,
    string? Initials = null) : DirectoryRecipient(Alias, DisplayName, ProxyAddresses)
{
    public override string Kind => "mailbox";
}

/// <summary>A contact (Exchange's custom recipient): mail to its proxy addresses goes to its target address.</summary>
/// <remarks>
/// The target may be of any type (<c>SMTP:someone@partner.example</c>, <c>X400:...</c>). The home
/// site is where the contact was created; it is administrative only — routing resolves the target on
/// the first server that sees the message and never sends it home first (seed Q152919).
/// </remarks>
public sealed record ContactRecipient(
    string Alias,
    string DisplayName,
    IReadOnlyList<ProxyAddress> ProxyAddresses,
    TypedAddress Target,
    string? HomeSite = null) : DirectoryRecipient(Alias, DisplayName, ProxyAddresses)
{
    public override string Kind => "contact";
}

/// <summary>A distribution list: members are aliases of mailboxes, contacts or other lists.</summary>
/// <param name="Members">Aliases of the members.</param>
/// <param name="ExpansionServer">Server that expands the list; null means the first server that sees the message.</param>
/// <param name="AcceptFrom">Aliases of the only recipients allowed to send to the list; empty means anyone.</param>
public sealed record DistributionListRecipient(
    string Alias,
    string DisplayName,
    IReadOnlyList<ProxyAddress> ProxyAddresses,
    IReadOnlyList<string> Members,
    string? ExpansionServer = null,
    IReadOnlyList<string>? AcceptFrom = null) : DirectoryRecipient(Alias, DisplayName, ProxyAddresses)
{
    public override string Kind => "list";
}
