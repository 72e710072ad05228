namespace Gatehouse.Dns;

/// <summary>Limits of the <see cref="DnsCache"/>.</summary>
public sealed record DnsCacheOptions
{
    /// <summary>The longest a positive answer is kept, whatever its TTL says.</summary>
    public TimeSpan MaxTtl { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The longest an NXDOMAIN or NODATA answer is kept (RFC 2308 §5 suggests hours; mail wants a new domain to work soon).</summary>
    public TimeSpan MaxNegativeTtl { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most entries kept; when it is reached, expired entries go, then the oldest until a tenth of the room is free.</summary>
    public int MaxEntries { get; init; } = 10_000;
}

/// <summary>Keeps answers of another <see cref="IDnsResolver"/> for as long as their TTL allows.</summary>
/// <remarks>
/// Keyed by (name, type), the name compared without case or trailing dot. A NOERROR response with
/// answers is kept for the smallest TTL in its answer section (RFC 2181 §5.2 makes an RRset share
/// one TTL; a CNAME chain lives as long as its shortest link), capped at
/// <see cref="DnsCacheOptions.MaxTtl"/>. NXDOMAIN, and NOERROR with an empty answer (NODATA), is kept
/// for the smaller of the SOA record's TTL and its MINIMUM field, as RFC 2308 §5 says, capped at
/// <see cref="DnsCacheOptions.MaxNegativeTtl"/>; without an SOA in the authority section it is not
/// kept (RFC 2308 §5). Failures are never kept: no answer, SERVFAIL (RFC 2308 §7 allows five minutes,
/// but a deferred message retries later anyway), REFUSED and the rest. A TTL of 0 is not kept. It
/// returns the stored response as it was, TTLs not counted down, and does not merge concurrent misses
/// for the same key (both go to the inner resolver). Time comes from the <see cref="TimeProvider"/>.
/// Thread-safe.
/// </remarks>
public sealed class DnsCache : IDnsResolver
{
    private readonly IDnsResolver _inner;
    private readonly DnsCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Name, DnsRecordType Type), LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _byAge = new(); // oldest insertion first

    private sealed record Entry((string Name, DnsRecordType Type) Key, DnsResponse Response, DateTimeOffset Expires);

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public DnsCache(IDnsResolver inner, DnsCacheOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _options = options ?? new DnsCacheOptions();
        if (_options.MaxEntries < 1) throw new ArgumentOutOfRangeException(nameof(options), "The cache needs room for at least one entry.");
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The number of entries held, expired ones not yet dropped included.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <inheritdoc />
    public async Task<DnsResponse> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        var key = (Normalise(name), type);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.Expires > _time.GetUtcNow()) return node.Value.Response;
                Remove(node);
            }
        }
        var response = await _inner.QueryAsync(name, type, cancellationToken).ConfigureAwait(false);
        var lifetime = Lifetime(response);
        if (lifetime > TimeSpan.Zero)
        {
            lock (_lock) Store(new Entry(key, response, _time.GetUtcNow() + lifetime));
        }
        return response;
    }

    /// <summary>How long a response may be kept under these options; zero means not at all.</summary>
    public TimeSpan Lifetime(DnsResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var message = response.Message;
        if (message is null) return TimeSpan.Zero;
        if (message.ResponseCode == DnsResponseCode.NoError && message.Answers.Count > 0)
        {
            var ttl = message.Answers.Min(r => r.Ttl);
            return Min(TimeSpan.FromSeconds(ttl), _options.MaxTtl);
        }
        if (message.ResponseCode is DnsResponseCode.NxDomain or DnsResponseCode.NoError)
        {
            var soa = message.Authority.FirstOrDefault(r => r.Data is SoaData);
            if (soa is null) return TimeSpan.Zero;
            var ttl = Math.Min(soa.Ttl, ((SoaData)soa.Data).Minimum);
            return Min(TimeSpan.FromSeconds(ttl), _options.MaxNegativeTtl);
        }
        return TimeSpan.Zero;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Normalise(string name) => (name.EndsWith('.') ? name[..^1] : name).ToLowerInvariant();

    private void Store(Entry entry)
    {
        if (_entries.TryGetValue(entry.Key, out var old)) Remove(old);
        if (_entries.Count >= _options.MaxEntries) Evict();
        _entries[entry.Key] = _byAge.AddLast(entry);
    }

    private void Evict()
    {
        // The sweep is O(n); freeing a tenth of the room at once keeps a full cache from sweeping on every insert.
        var target = _options.MaxEntries - Math.Max(1, _options.MaxEntries / 10);
        var now = _time.GetUtcNow();
        for (var node = _byAge.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.Expires <= now) Remove(node);
            node = next;
        }
        while (_entries.Count > target && _byAge.First is { } oldest) Remove(oldest);
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _entries.Remove(node.Value.Key);
        _byAge.Remove(node);
    }
}
