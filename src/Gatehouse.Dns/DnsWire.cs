using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Gatehouse.Dns;

/// <summary>A DNS message that breaks the wire format of RFC 1035; the only exception <see cref="DnsWire"/> throws on input it decodes.</summary>
public sealed class DnsFormatException : Exception
{
    /// <summary>Creates the exception without a message.</summary>
    public DnsFormatException()
    {
    }

    /// <summary>Creates the exception with what was wrong and where.</summary>
    public DnsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public DnsFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Encodes queries and decodes responses in the DNS wire format (RFC 1035 §4).</summary>
/// <remarks>
/// Sans-I/O: bytes in, bytes or a <see cref="DnsMessage"/> out; the query id is an argument, so the
/// caller owns the randomness. It encodes only what a stub resolver sends: one question, class IN, RD
/// set, no EDNS (so a UDP answer stays within 512 octets, RFC 1035 §4.2.1, and a bigger one comes with
/// TC). It decodes any response, reading the RDATA of A, AAAA (RFC 3596), CNAME, MX and SOA and keeping
/// other types raw. It is strict where a lax reader would loop or read out of bounds: a compression
/// pointer (§4.1.4) must point before the name it continues, into the message and past the header;
/// labels over 63 octets (the 01/10 label types of RFC 6891 §5) and names over 255 octets (§2.3.4)
/// are refused, as are section counts the packet does not hold and RDATA that does not fill its
/// RDLENGTH exactly. Every such packet raises <see cref="DnsFormatException"/>, never another exception.
/// Bytes after the last counted record are ignored. It does not encode responses, compress names or
/// interpret EDNS, DNSSEC or the 0x20 case trick.
/// </remarks>
public static class DnsWire
{
    /// <summary>The size of the fixed header (RFC 1035 §4.1.1).</summary>
    public const int HeaderSize = 12;

    /// <summary>The largest UDP message a server sends to a client that did not offer EDNS (RFC 1035 §2.3.4).</summary>
    public const int MaxUdpSize = 512;

    /// <summary>The longest name on the wire, length octets and the root label included (RFC 1035 §2.3.4).</summary>
    public const int MaxNameLength = 255;

    /// <summary>The longest label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    private const ushort ClassIn = 1;

    /// <summary>Encodes a recursive query for one name and type in class IN.</summary>
    /// <exception cref="ArgumentException">The name has an empty or over-long label, is over 255 octets, or has a character other than printable ASCII.</exception>
    public static byte[] EncodeQuery(ushort id, string name, DnsRecordType type)
    {
        var encodedName = EncodeName(name);
        var packet = new byte[HeaderSize + encodedName.Length + 4];
        BinaryPrimitives.WriteUInt16BigEndian(packet, id);
        packet[2] = 0x01; // RD: a stub asks its server to recurse
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), 1);
        encodedName.CopyTo(packet, HeaderSize);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(HeaderSize + encodedName.Length), (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(HeaderSize + encodedName.Length + 2), ClassIn);
        return packet;
    }

    /// <summary>Encodes a name as uncompressed labels; a trailing dot is optional and "" or "." is the root.</summary>
    public static byte[] EncodeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = name.EndsWith('.') ? name[..^1] : name;
        if (text.Length == 0) return [0];
        var result = new List<byte>(text.Length + 2);
        foreach (var label in text.Split('.'))
        {
            if (label.Length == 0) throw new ArgumentException($"Empty label in DNS name \"{name}\".", nameof(name));
            if (label.Length > MaxLabelLength) throw new ArgumentException($"Label longer than {MaxLabelLength} octets in DNS name \"{name}\".", nameof(name));
            result.Add((byte)label.Length);
            foreach (var c in label)
            {
                // Escapes are not parsed, so a backslash or anything outside printable ASCII would be guessed at; refuse it.
                if (c is <= ' ' or > '~' or '\\') throw new ArgumentException($"DNS name \"{name}\" has a character outside printable ASCII.", nameof(name));
                result.Add((byte)c);
            }
        }
        result.Add(0);
        if (result.Count > MaxNameLength) throw new ArgumentException($"DNS name \"{name}\" is longer than {MaxNameLength} octets.", nameof(name));
        return [.. result];
    }

    /// <summary>Decodes a whole message strictly.</summary>
    /// <exception cref="DnsFormatException">The packet is not a well-formed DNS message.</exception>
    public static DnsMessage Decode(ReadOnlySpan<byte> packet) => DecodeCore(packet, withRecords: true);

    /// <summary>Decodes the header and question of a truncated (TC) response, dropping the record sections, which may end anywhere.</summary>
    /// <exception cref="DnsFormatException">The header or question is malformed.</exception>
    public static DnsMessage DecodeHeaderAndQuestion(ReadOnlySpan<byte> packet) => DecodeCore(packet, withRecords: false);

    /// <summary>Whether the packet has at least a header and its TC bit set, without decoding anything else.</summary>
    public static bool IsTruncated(ReadOnlySpan<byte> packet) => packet.Length >= HeaderSize && (packet[2] & 0x02) != 0;

    private static DnsMessage DecodeCore(ReadOnlySpan<byte> packet, bool withRecords)
    {
        if (packet.Length < HeaderSize) throw new DnsFormatException($"Message of {packet.Length} octets is shorter than the {HeaderSize}-octet header.");
        var id = BinaryPrimitives.ReadUInt16BigEndian(packet);
        var flags1 = packet[2];
        var flags2 = packet[3];
        var qdCount = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        var anCount = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var nsCount = BinaryPrimitives.ReadUInt16BigEndian(packet[8..]);
        var arCount = BinaryPrimitives.ReadUInt16BigEndian(packet[10..]);

        var position = HeaderSize;
        var questions = new List<DnsQuestion>();
        for (var i = 0; i < qdCount; i++)
        {
            var name = ReadName(packet, ref position);
            var type = (DnsRecordType)ReadUInt16(packet, ref position, "question type");
            var klass = ReadUInt16(packet, ref position, "question class");
            questions.Add(new DnsQuestion(name, type, klass));
        }

        List<DnsRecord> answers = [], authority = [], additional = [];
        if (withRecords)
        {
            ReadRecords(packet, ref position, anCount, answers, "answer");
            ReadRecords(packet, ref position, nsCount, authority, "authority");
            ReadRecords(packet, ref position, arCount, additional, "additional");
        }

        return new DnsMessage
        {
            Id = id,
            IsResponse = (flags1 & 0x80) != 0,
            Opcode = (byte)((flags1 >> 3) & 0x0F),
            Authoritative = (flags1 & 0x04) != 0,
            Truncated = (flags1 & 0x02) != 0,
            RecursionDesired = (flags1 & 0x01) != 0,
            RecursionAvailable = (flags2 & 0x80) != 0,
            ResponseCode = (DnsResponseCode)(flags2 & 0x0F),
            Questions = questions,
            Answers = answers,
            Authority = authority,
            Additional = additional,
        };
    }

    private static void ReadRecords(ReadOnlySpan<byte> packet, ref int position, int count, List<DnsRecord> records, string section)
    {
        for (var i = 0; i < count; i++)
        {
            var name = ReadName(packet, ref position);
            var type = (DnsRecordType)ReadUInt16(packet, ref position, section + " record type");
            var klass = ReadUInt16(packet, ref position, section + " record class");
            var ttl = ReadUInt32(packet, ref position, section + " record TTL");
            var rdLength = ReadUInt16(packet, ref position, section + " record RDLENGTH");
            if (rdLength > packet.Length - position)
                throw new DnsFormatException($"RDATA of {rdLength} octets at offset {position} runs past the end of the {packet.Length}-octet message.");
            var rdEnd = position + rdLength;
            var data = ReadData(packet, position, rdEnd, type, klass);
            position = rdEnd;
            // RFC 2181 §8: a TTL with the most significant bit set is treated as zero.
            records.Add(new DnsRecord(name, type, klass, ttl > int.MaxValue ? 0 : ttl, data));
        }
    }

    private static DnsRecordData ReadData(ReadOnlySpan<byte> packet, int start, int end, DnsRecordType type, ushort klass)
    {
        var position = start;
        DnsRecordData data;
        switch (type)
        {
            case DnsRecordType.A when klass == ClassIn:
                if (end - start != 4) throw new DnsFormatException($"A record with RDLENGTH {end - start}, not 4.");
                return new AddressData(new IPAddress(packet[start..end]));
            case DnsRecordType.AAAA when klass == ClassIn:
                if (end - start != 16) throw new DnsFormatException($"AAAA record with RDLENGTH {end - start}, not 16.");
                return new AddressData(new IPAddress(packet[start..end]));
            case DnsRecordType.CNAME:
                data = new CnameData(ReadName(packet, ref position, end));
                break;
            case DnsRecordType.MX:
                var preference = ReadUInt16(packet, ref position, "MX preference", end);
                data = new MxData(preference, ReadName(packet, ref position, end));
                break;
            case DnsRecordType.SOA:
                var primary = ReadName(packet, ref position, end);
                var mailbox = ReadName(packet, ref position, end);
                var serial = ReadUInt32(packet, ref position, "SOA serial", end);
                var refresh = ReadUInt32(packet, ref position, "SOA refresh", end);
                var retry = ReadUInt32(packet, ref position, "SOA retry", end);
                var expire = ReadUInt32(packet, ref position, "SOA expire", end);
                var minimum = ReadUInt32(packet, ref position, "SOA minimum", end);
                data = new SoaData(primary, mailbox, serial, refresh, retry, expire, minimum);
                break;
            default:
                return new RawData(packet[start..end].ToArray());
        }
        if (position != end) throw new DnsFormatException($"{type} RDATA has {end - position} octets left over after its fields.");
        return data;
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> packet, ref int position, string what, int end = -1)
    {
        var limit = end < 0 ? packet.Length : end;
        if (limit - position < 2) throw new DnsFormatException($"Message ends inside the {what} at offset {position}.");
        var value = BinaryPrimitives.ReadUInt16BigEndian(packet[position..]);
        position += 2;
        return value;
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> packet, ref int position, string what, int end = -1)
    {
        var limit = end < 0 ? packet.Length : end;
        if (limit - position < 4) throw new DnsFormatException($"Message ends inside the {what} at offset {position}.");
        var value = BinaryPrimitives.ReadUInt32BigEndian(packet[position..]);
        position += 4;
        return value;
    }

    /// <summary>Reads a possibly compressed name at <paramref name="position"/> and moves past it (past the first pointer, if any).</summary>
    /// <param name="end">Where the uncompressed part of the name must end (the end of RDATA), or -1 for the end of the message.</param>
    private static string ReadName(ReadOnlySpan<byte> packet, ref int position, int end = -1)
    {
        var limit = end < 0 ? packet.Length : end;
        var text = new StringBuilder();
        var wireLength = 1; // the root label
        var cursor = position;
        // Every pointer must land before the start of the stretch of labels that led to it, so the
        // positions read only ever decrease and a loop cannot form; it also rules out forward pointers.
        var segmentStart = position;
        var resume = -1;
        while (true)
        {
            var segmentLimit = resume < 0 ? limit : packet.Length;
            if (cursor >= segmentLimit) throw new DnsFormatException($"Name at offset {position} runs past the end of the message.");
            var length = packet[cursor];
            switch (length & 0xC0)
            {
                case 0x00:
                    if (length == 0)
                    {
                        position = resume < 0 ? cursor + 1 : resume;
                        return text.ToString();
                    }
                    wireLength += length + 1;
                    if (wireLength > MaxNameLength) throw new DnsFormatException($"Name at offset {position} is longer than {MaxNameLength} octets.");
                    if (segmentLimit - (cursor + 1) < length) throw new DnsFormatException($"Label at offset {cursor} runs past the end of the message.");
                    if (text.Length > 0) text.Append('.');
                    AppendLabel(text, packet.Slice(cursor + 1, length));
                    cursor += 1 + length;
                    break;
                case 0xC0:
                    if (segmentLimit - cursor < 2) throw new DnsFormatException($"Compression pointer at offset {cursor} runs past the end of the message.");
                    var target = ((length & 0x3F) << 8) | packet[cursor + 1];
                    if (target >= segmentStart) throw new DnsFormatException($"Compression pointer at offset {cursor} points forward or into its own name (to {target}).");
                    if (target < HeaderSize) throw new DnsFormatException($"Compression pointer at offset {cursor} points into the header (to {target}).");
                    if (resume < 0) resume = cursor + 2;
                    segmentStart = target;
                    cursor = target;
                    break;
                default:
                    // 01 was the extended label type (RFC 6891 §5 retired it) and 10 is reserved: as lengths they would be over 63.
                    throw new DnsFormatException($"Label at offset {cursor} has length octet 0x{length:X2}: over {MaxLabelLength} octets or an unsupported label type.");
            }
        }
    }

    // Presentation format (RFC 1035 §5.1): a dot or backslash inside a label and bytes outside printable ASCII are escaped.
    private static void AppendLabel(StringBuilder text, ReadOnlySpan<byte> label)
    {
        foreach (var b in label)
        {
            if (b is (byte)'.' or (byte)'\\') text.Append('\\').Append((char)b);
            else if (b is > 0x20 and < 0x7F) text.Append((char)b);
            else text.Append('\\').Append(b.ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
