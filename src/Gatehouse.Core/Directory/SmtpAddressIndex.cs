using Gatehouse.Core.Addresses;

namespace Gatehouse.Core.Directory;

/// <summary>An open-addressing hash index from SMTP addresses to directory recipients, built for millions of entries.</summary>
/// <remarks>
/// <para>Why not a dictionary of <see cref="TypedAddress"/>: each comparison would follow four
/// pointers (key, mailbox, local part, domain), each a cache miss in a directory of a million
/// recipients. Here a look-up touches one slot (24 octets: hash, offset, lengths, the recipient) and the
/// local part's characters in one shared array; domains are a small table that stays in cache.</para>
/// <para>Comparison is that of <see cref="TypedAddress"/> for SMTP: local part ignoring case
/// (ordinal), domain exact (it is lower case already). The table is built once and never changes;
/// it is at most three quarters full, so probe sequences stay short.</para>
/// </remarks>
internal sealed class SmtpAddressIndex
{
    private struct Slot
    {
        public int Hash;
        public int Offset;
        public DirectoryRecipient? Recipient; // null marks an empty slot; held here to save a look-up in another array
        public ushort LocalLength;
        public ushort Domain;
    }

    private readonly Slot[] _slots;
    private readonly char[] _arena;
    private readonly string[] _domains;
    private readonly Dictionary<string, ushort> _domainIds;
    private readonly int _mask;

    /// <summary>Builds the index; addresses must be unique by the SMTP comparison rule (the directory checks that first).</summary>
    public SmtpAddressIndex(IReadOnlyList<(Mailbox Address, DirectoryRecipient Recipient)> entries)
    {
        var capacity = 16;
        while (capacity * 3 < entries.Count * 4) capacity <<= 1;
        _slots = new Slot[capacity];
        _mask = capacity - 1;
        _domainIds = new Dictionary<string, ushort>(StringComparer.Ordinal);
        var domains = new List<string>();
        var arenaLength = 0L;
        foreach (var (m, _) in entries) arenaLength += m.LocalPart.Length;
        _arena = new char[arenaLength];
        var offset = 0;
        foreach (var (m, r) in entries)
        {
            if (!_domainIds.TryGetValue(m.Domain, out var domainId))
            {
                if (domains.Count == ushort.MaxValue) throw new InvalidOperationException("more than 65535 domains in the directory");
                domainId = (ushort)domains.Count;
                domains.Add(m.Domain);
                _domainIds.Add(m.Domain, domainId);
            }
            m.LocalPart.CopyTo(_arena.AsSpan(offset));
            var hash = Hash(m.LocalPart, domainId);
            var i = hash & _mask;
            while (_slots[i].Recipient is not null) i = (i + 1) & _mask;
            _slots[i] = new Slot { Hash = hash, Offset = offset, Recipient = r, LocalLength = checked((ushort)m.LocalPart.Length), Domain = domainId };
            offset += m.LocalPart.Length;
        }
        _domains = [.. domains];
    }

    public DirectoryRecipient? Find(Mailbox m)
    {
        if (!TryDomain(m.Domain, out var domainId)) return null;
        var local = m.LocalPart.AsSpan();
        var hash = Hash(local, domainId);
        var slots = _slots;
        var i = hash & _mask;
        while (true)
        {
            ref readonly var s = ref slots[i];
            if (s.Recipient is null) return null;
            if (s.Hash == hash && s.Domain == domainId && s.LocalLength == local.Length
                && _arena.AsSpan(s.Offset, s.LocalLength).Equals(local, StringComparison.OrdinalIgnoreCase))
            {
                return s.Recipient;
            }
            i = (i + 1) & _mask;
        }
    }

    private bool TryDomain(string domain, out ushort id)
    {
        // Most organizations have a handful of domains: comparing them is cheaper than hashing.
        if (_domains.Length <= 8)
        {
            for (var i = 0; i < _domains.Length; i++)
            {
                if (string.Equals(_domains[i], domain, StringComparison.Ordinal))
                {
                    id = (ushort)i;
                    return true;
                }
            }
            id = 0;
            return false;
        }
        return _domainIds.TryGetValue(domain, out id);
    }

    // Randomized per process (string.GetHashCode uses Marvin with a random seed), so no one can aim collisions at the table.
    private static int Hash(ReadOnlySpan<char> local, ushort domain) =>
        HashCode.Combine(string.GetHashCode(local, StringComparison.OrdinalIgnoreCase), domain) & int.MaxValue;
}
