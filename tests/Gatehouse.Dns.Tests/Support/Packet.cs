using System.Buffers.Binary;
using System.Net;

namespace Gatehouse.Dns.Tests.Support;

/// <summary>Builds response packets for the fake server and the fuzzer: uncompressed names, counts from the records added.</summary>
/// <remarks>The golden tests do not use it: their bytes are written out by hand, so the codec is not checked against itself.</remarks>
internal sealed class Packet
{
    private readonly List<byte[]> _questions = [];
    private readonly List<byte[]>[] _sections = [[], [], []];

    public ushort Id { get; set; }

    public byte Flags1 { get; set; } = 0x81; // QR, RD

    public byte Flags2 { get; set; } = 0x80; // RA, NOERROR

    public DnsResponseCode Rcode
    {
        set => Flags2 = (byte)((Flags2 & 0xF0) | (byte)value);
    }

    public bool Truncated
    {
        set => Flags1 = value ? (byte)(Flags1 | 0x02) : (byte)(Flags1 & ~0x02);
    }

    /// <summary>A response to <paramref name="query"/>: same id and question.</summary>
    public static Packet ResponseTo(ReadOnlySpan<byte> query)
    {
        var q = DnsWire.Decode(query);
        var p = new Packet { Id = q.Id };
        foreach (var question in q.Questions) p.Question(question.Name, question.Type, question.Class);
        return p;
    }

    public Packet Question(string name, DnsRecordType type, ushort klass = 1)
    {
        _questions.Add([.. Name(name), .. U16((ushort)type), .. U16(klass)]);
        return this;
    }

    public Packet Answer(string name, DnsRecordType type, uint ttl, byte[] rdata) => Add(0, name, type, ttl, rdata);

    public Packet Authority(string name, DnsRecordType type, uint ttl, byte[] rdata) => Add(1, name, type, ttl, rdata);

    public Packet Additional(string name, DnsRecordType type, uint ttl, byte[] rdata) => Add(2, name, type, ttl, rdata);

    private Packet Add(int section, string name, DnsRecordType type, uint ttl, byte[] rdata)
    {
        _sections[section].Add([.. Name(name), .. U16((ushort)type), .. U16(1), .. U32(ttl), .. U16((ushort)rdata.Length), .. rdata]);
        return this;
    }

    public byte[] Build()
    {
        var header = new byte[12];
        BinaryPrimitives.WriteUInt16BigEndian(header, Id);
        header[2] = Flags1;
        header[3] = Flags2;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)_questions.Count);
        for (var i = 0; i < 3; i++) BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6 + (2 * i)), (ushort)_sections[i].Count);
        return [.. header, .. _questions.SelectMany(q => q), .. _sections.SelectMany(s => s).SelectMany(r => r)];
    }

    public static byte[] Name(string name) => DnsWire.EncodeName(name);

    public static byte[] A(string address) => IPAddress.Parse(address).GetAddressBytes();

    public static byte[] Mx(ushort preference, string exchange) => [.. U16(preference), .. Name(exchange)];

    public static byte[] Cname(string target) => Name(target);

    public static byte[] Soa(uint minimum) =>
        [.. Name("ns.example"), .. Name("hostmaster.example"), .. U32(1), .. U32(3600), .. U32(600), .. U32(86400), .. U32(minimum)];

    private static byte[] U16(ushort v) => [(byte)(v >> 8), (byte)v];

    private static byte[] U32(uint v) => [(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v];
}
