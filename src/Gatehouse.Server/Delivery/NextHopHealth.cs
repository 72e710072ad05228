using Gatehouse.Core.Routing;

namespace Gatehouse.Server.Delivery;

/// <summary>Which servers and connectors are down, from the outcomes of real connections: the health input of routing.</summary>
/// <remarks>
/// A server of the organization or a connector's smart host that fails
/// <c>delivery.mark_down_after</c> connections in a row is marked down; routing then chooses the
/// next-cheapest route (seed Q152919). A successful connection (a delivery or a probe) marks it up.
/// Keys are <c>server:NAME</c> and <c>connector:NAME</c>. Every change bumps <see cref="Version"/>.
/// </remarks>
public sealed class NextHopHealth
{
    private readonly Dictionary<string, int> _failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DateTimeOffset> _down = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Records a connection outcome; true when it changed what is down.</summary>
    public bool Report(string key, bool success, int markDownAfter, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (success)
            {
                _failures.Remove(key);
                if (!_down.Remove(key)) return false;
            }
            else
            {
                var n = _failures[key] = _failures.GetValueOrDefault(key) + 1;
                if (n < markDownAfter || !_down.TryAdd(key, now)) return false;
            }
            Interlocked.Increment(ref _version);
            return true;
        }
    }

    /// <summary>The keys marked down, with when.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Down
    {
        get
        {
            lock (_gate) return new Dictionary<string, DateTimeOffset>(_down, StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>The routing input for what is down now.</summary>
    public RoutingHealth ToRouting()
    {
        lock (_gate)
        {
            return RoutingHealth.Of(
                _down.Keys.Where(k => k.StartsWith("server:", StringComparison.Ordinal)).Select(k => k[7..]),
                _down.Keys.Where(k => k.StartsWith("connector:", StringComparison.Ordinal)).Select(k => k[10..]));
        }
    }
}
