namespace Gatehouse.Core.Queue;

/// <summary>Makes queue ids: short, unique within a server, sortable by arrival time, safe as file names.</summary>
/// <remarks>
/// An id is 10 characters of milliseconds since the Unix epoch followed by 4 characters of a
/// per-process sequence, both in Crockford base 32 (digits and upper-case letters without I, L, O, U).
/// The clock and the sequence start are inputs so that tests are deterministic.
/// </remarks>
public sealed class QueueIdGenerator
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private readonly TimeProvider _clock;
    private long _lastMillis;
    private int _sequence;
    private readonly Lock _lock = new();

    public QueueIdGenerator(TimeProvider clock, int sequenceStart = 0)
    {
        _clock = clock;
        _sequence = sequenceStart & 0xFFFFF;
    }

    public string Next()
    {
        long millis;
        int seq;
        lock (_lock)
        {
            millis = _clock.GetUtcNow().ToUnixTimeMilliseconds();
            if (millis < _lastMillis) millis = _lastMillis;
            _sequence = (_sequence + 1) & 0xFFFFF;
            if (_sequence == 0 && millis == _lastMillis) millis++;
            _lastMillis = millis;
            seq = _sequence;
        }
        Span<char> id = stackalloc char[14];
        Encode(millis, id[..10]);
        Encode(seq, id[10..]);
        return new string(id);
    }

    /// <summary>True when <paramref name="id"/> has the shape of a queue id (used to refuse path tricks).</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length != 14) return false;
        foreach (var c in id)
        {
            if (!Alphabet.Contains(c)) return false;
        }
        return true;
    }

    private static void Encode(long value, Span<char> dest)
    {
        for (var i = dest.Length - 1; i >= 0; i--)
        {
            dest[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
    }
}
