namespace Gatehouse.Core.Protocol;

/// <summary>An RFC 3463 enhanced mail system status code, such as 5.1.1.</summary>
/// <remarks>Class 2 is success, 4 persistent transient failure, 5 permanent failure.</remarks>
public readonly record struct EnhancedStatusCode(int Class, int Subject, int Detail)
{
    public override string ToString() => $"{Class}.{Subject}.{Detail}";

    /// <summary>Parses "c.s.d" (RFC 3463 §2); returns false on anything else.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out EnhancedStatusCode code)
    {
        code = default;
        Span<Range> parts = stackalloc Range[4];
        if (text.Split(parts, '.') != 3) return false;
        if (!TryPart(text[parts[0]], 1, out var c) || c is not (2 or 4 or 5)) return false;
        if (!TryPart(text[parts[1]], 3, out var s) || !TryPart(text[parts[2]], 3, out var d)) return false;
        code = new EnhancedStatusCode(c, s, d);
        return true;
    }

    private static bool TryPart(ReadOnlySpan<char> part, int maxDigits, out int value)
    {
        value = 0;
        if (part.Length == 0 || part.Length > maxDigits) return false;
        foreach (var ch in part)
        {
            if (ch is < '0' or > '9') return false;
            value = (value * 10) + (ch - '0');
        }
        return part.Length == 1 || part[0] != '0';
    }
}
