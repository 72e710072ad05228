using System.Buffers;
using System.Text;

namespace Gatehouse.Core.Content;

/// <summary>One header field as it appears in a message: its name and its value with the folding kept.</summary>
/// <param name="Raw">The value after the colon, up to the end of the field, folding CRLFs included.</param>
public readonly record struct HeaderField(string Name, string Raw)
{
    /// <summary>The value with folding removed (RFC 5322 §2.2.3) and outer white space trimmed.</summary>
    public string Value => Raw.Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
}

/// <summary>The header section of an RFC 5322 message: a read-only list of fields, read tolerantly.</summary>
/// <remarks>
/// <para>Used where Gatehouse needs a few facts of a message it did not write (Subject and Message-ID
/// for a DSN, the Received count for the hop limit, Content-Type for a MIME downgrade). It does not
/// decode encoded words, parse addresses (that is <see cref="Addresses.HeaderAddressParser"/>) or
/// rewrite anything.</para>
/// <para>Octets are read as UTF-8 (RFC 6532) and fall back to Latin-1 for a field that is not valid
/// UTF-8, so that no byte sequence makes it fail. A line without a colon ends the section, as an
/// MTA must assume the body started (RFC 5322 §3.5).</para>
/// </remarks>
public sealed class HeaderSection
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);

    private HeaderSection(IReadOnlyList<HeaderField> fields, int length)
    {
        Fields = fields;
        Length = length;
    }

    public IReadOnlyList<HeaderField> Fields { get; }

    /// <summary>Octets the header section takes in the message, including the empty line that ends it when present.</summary>
    public int Length { get; }

    /// <summary>The unfolded value of the first field named <paramref name="name"/> (any case), or null.</summary>
    public string? Get(string name)
    {
        foreach (var f in Fields)
        {
            if (f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return f.Value;
        }
        return null;
    }

    /// <summary>How many fields are named <paramref name="name"/> (any case): the hop count for <c>Received</c>.</summary>
    public int Count(string name)
    {
        var n = 0;
        foreach (var f in Fields)
        {
            if (f.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) n++;
        }
        return n;
    }

    /// <summary>Parses the header section at the start of <paramref name="message"/>; the body, if any, is ignored.</summary>
    public static HeaderSection Parse(ReadOnlySpan<byte> message)
    {
        var fields = new List<HeaderField>();
        var pos = 0;
        string? name = null;
        var value = new StringBuilder();
        while (pos < message.Length)
        {
            var nl = message[pos..].IndexOf((byte)'\n');
            var lineEnd = nl < 0 ? message.Length : pos + nl + 1;
            var line = message[pos..lineEnd];
            var content = TrimEol(line);
            if (content.Length == 0)
            {
                pos = lineEnd;
                break;
            }
            if ((content[0] == ' ' || content[0] == '\t') && name is not null)
            {
                value.Append("\r\n").Append(Decode(content));
                pos = lineEnd;
                continue;
            }
            var colon = content.IndexOf((byte)':');
            // RFC 5322 §4.5 obs-optional allows white space before the colon; it is not part of the name.
            var fieldName = colon < 0 ? default : content[..colon].TrimEnd(" \t"u8);
            if (fieldName.IsEmpty || !IsFieldName(fieldName)) break;
            if (name is not null) fields.Add(new HeaderField(name, value.ToString()));
            name = Encoding.ASCII.GetString(fieldName);
            value.Clear().Append(Decode(content[(colon + 1)..]));
            pos = lineEnd;
        }
        if (name is not null) fields.Add(new HeaderField(name, value.ToString()));
        return new HeaderSection(fields, pos);
    }

    /// <summary>Reads at most <paramref name="limit"/> octets from the start of a message stream and parses its header section.</summary>
    /// <remarks>A header section longer than the limit is cut at the limit: the facts needed are near the top.</remarks>
    public static async Task<HeaderSection> ReadAsync(Stream message, int limit = 256 * 1024, CancellationToken cancellationToken = default)
    {
        // Pooled: a header section is read for every message queued, and a fresh buffer each time was a
        // large share of all the garbage made per message.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit, 16 * 1024));
        try
        {
            var filled = 0;
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= limit) break;
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(limit, buffer.Length * 2));
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var room = Math.Min(buffer.Length, limit) - filled;
                var n = await message.ReadAsync(buffer.AsMemory(filled, room), cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                var searchFrom = Math.Max(0, filled - 3);
                filled += n;
                if (EndOfHeaders(buffer.AsSpan(searchFrom, filled - searchFrom))) break;
                if (filled >= limit) break;
            }
            return Parse(buffer.AsSpan(0, filled));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool EndOfHeaders(ReadOnlySpan<byte> s) => s.IndexOf("\n\r\n"u8) >= 0 || s.IndexOf("\n\n"u8) >= 0;

    private static ReadOnlySpan<byte> TrimEol(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\n') line = line[..^1];
        if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
        return line;
    }

    private static bool IsFieldName(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if (b is < 33 or > 126) return false;
        }
        return true;
    }

    private static string Decode(ReadOnlySpan<byte> s)
    {
        try
        {
            return StrictUtf8.GetString(s);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(s);
        }
    }
}
