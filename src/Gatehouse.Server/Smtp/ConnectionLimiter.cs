using System.Collections.Concurrent;
using System.Net;

namespace Gatehouse.Server.Smtp;

/// <summary>Counts open SMTP connections in total and per client address, and refuses those over the limits.</summary>
public sealed class ConnectionLimiter(int maxTotal, int maxPerClient)
{
    private int _maxTotal = maxTotal;
    private int _maxPerClient = maxPerClient;

    private readonly ConcurrentDictionary<IPAddress, int> _perClient = new();
    private int _total;

    public int Open => Volatile.Read(ref _total);

    public enum Verdict
    {
        Accepted,
        TooManyTotal,
        TooManyFromClient,
    }

    public Verdict TryAcquire(IPAddress client)
    {
        if (Interlocked.Increment(ref _total) > Volatile.Read(ref _maxTotal))
        {
            Interlocked.Decrement(ref _total);
            return Verdict.TooManyTotal;
        }
        var n = _perClient.AddOrUpdate(client, 1, static (_, c) => c + 1);
        if (n > Volatile.Read(ref _maxPerClient))
        {
            Release(client);
            return Verdict.TooManyFromClient;
        }
        return Verdict.Accepted;
    }

    /// <summary>New limits after a reload; connections already open stay open.</summary>
    public void SetLimits(int total, int perClient)
    {
        Volatile.Write(ref _maxTotal, total);
        Volatile.Write(ref _maxPerClient, perClient);
    }

    public void Release(IPAddress client)
    {
        Interlocked.Decrement(ref _total);
        while (true)
        {
            if (!_perClient.TryGetValue(client, out var c)) return;
            if (c <= 1)
            {
                if (_perClient.TryRemove(new KeyValuePair<IPAddress, int>(client, c))) return;
            }
            else if (_perClient.TryUpdate(client, c - 1, c))
            {
                return;
            }
        }
    }
}
