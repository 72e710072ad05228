using System.Net;

namespace Gatehouse.Dns.Tests.Wire;

public class DnsWireTests
{
    // Captured from dnsmasq 2.90: MX for example.test, two MX records and A/AAAA in the additional
    // section, whose owner names are pointers into the MX RDATA (0x2c, 0x4c).
    internal const string DnsmasqMx =
        "673e85800001000200000003" + "076578616d706c65047465737400" + "000f0001" +
        "c00c000f00010000000000140014" + "036d7832076578616d706c65047465737400" +
        "c00c000f0001000000000014000a" + "036d7831076578616d706c65047465737400" +
        "c02c00010001000000000004c0000202" +
        "c04c00010001000000000004c0000201" +
        "c04c001c0001000000000010" + "20010db8000000000000000000000001";

    // Captured from dnsmasq 2.90 serving dns-rr=nullmx.test,15,000000: preference 0, exchange the root.
    internal const string DnsmasqNullMx =
        "06c285800001000100000000" + "066e756c6c6d78047465737400" + "000f0001" + "c00c000f0001000000000003000000";

    // Captured from dnsmasq 2.90: A for alias.example.test, a CNAME and then an A record owned by a pointer into the CNAME RDATA.
    internal const string DnsmasqCname =
        "f54e85800001000200000000" + "05616c696173076578616d706c6504746573740000010001" +
        "c00c00050001000000000012" + "036d7831076578616d706c65047465737400" +
        "c03000010001000000000004c0000201";

    // By hand: NXDOMAIN for a.example MX with an SOA in the authority section, compressed against the question.
    internal const string NxDomainWithSoa =
        "123481830001000000010000" + "0161076578616d706c6500" + "000f0001" +
        "c00e0006000100000e100026" + "026e73c00e" + "0a686f73746d6173746572c00e" +
        "00000001" + "00001c20" + "00000384" + "00093a80" + "0000012c";

    internal static readonly string[] Golden = [DnsmasqMx, DnsmasqNullMx, DnsmasqCname, NxDomainWithSoa];

    internal static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void Query_is_one_question_with_rd_in_class_in_and_keeps_the_case()
    {
        var query = DnsWire.EncodeQuery(0xBEEF, "Example.COM.", DnsRecordType.MX);
        Assert.Equal("BEEF01000001000000000000" + "074578616D706C6503434F4D00" + "000F0001", Convert.ToHexString(query));
    }

    [Fact]
    public void Query_for_the_root()
    {
        Assert.Equal("000101000001000000000000" + "00" + "00060001", Convert.ToHexString(DnsWire.EncodeQuery(1, ".", DnsRecordType.SOA)));
        Assert.Equal(DnsWire.EncodeQuery(1, ".", DnsRecordType.SOA), DnsWire.EncodeQuery(1, "", DnsRecordType.SOA));
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a b")]
    [InlineData("a\\.b")]
    [InlineData("b\u00fccher.example")]
    [InlineData("a\u0000b")]
    public void Query_refuses_names_it_cannot_write(string name)
    {
        Assert.Throws<ArgumentException>(() => DnsWire.EncodeQuery(1, name, DnsRecordType.A));
    }

    [Fact]
    public void Query_refuses_long_labels_and_names()
    {
        DnsWire.EncodeQuery(1, new string('a', 63), DnsRecordType.A);
        Assert.Throws<ArgumentException>(() => DnsWire.EncodeQuery(1, new string('a', 64), DnsRecordType.A));
        // 4 labels of 62 and one of 1: 4*63 + 2 + 1 = 255 octets on the wire, the most there may be.
        var longest = string.Join('.', Enumerable.Repeat(new string('a', 62), 4)) + ".b";
        DnsWire.EncodeQuery(1, longest, DnsRecordType.A);
        Assert.Throws<ArgumentException>(() => DnsWire.EncodeQuery(1, longest + "b", DnsRecordType.A));
    }

    [Fact]
    public void Dnsmasq_mx_answer_with_compression()
    {
        var m = DnsWire.Decode(Hex(DnsmasqMx));
        Assert.Equal(0x673e, m.Id);
        Assert.True(m.IsResponse);
        Assert.True(m.Authoritative);
        Assert.False(m.Truncated);
        Assert.True(m.RecursionDesired);
        Assert.True(m.RecursionAvailable);
        Assert.Equal(0, m.Opcode);
        Assert.Equal(DnsResponseCode.NoError, m.ResponseCode);
        Assert.Equal(new DnsQuestion("example.test", DnsRecordType.MX, 1), Assert.Single(m.Questions));
        Assert.Equal(
            [new MxData(20, "mx2.example.test"), new MxData(10, "mx1.example.test")],
            m.Answers.Select(a => a.Data));
        Assert.All(m.Answers, a => Assert.Equal("example.test", a.Name));
        Assert.Empty(m.Authority);
        Assert.Equal(
            [
                ("mx2.example.test", DnsRecordType.A, "192.0.2.2"),
                ("mx1.example.test", DnsRecordType.A, "192.0.2.1"),
                ("mx1.example.test", DnsRecordType.AAAA, "2001:db8::1"),
            ],
            m.Additional.Select(r => (r.Name, r.Type, ((AddressData)r.Data).Address.ToString())));
    }

    [Fact]
    public void Null_mx_has_the_root_as_exchange()
    {
        var m = DnsWire.Decode(Hex(DnsmasqNullMx));
        var record = Assert.Single(m.Answers);
        Assert.Equal("nullmx.test", record.Name);
        Assert.Equal(new MxData(0, ""), record.Data);
    }

    [Fact]
    public void Cname_then_address_owned_by_a_pointer_into_rdata()
    {
        var m = DnsWire.Decode(Hex(DnsmasqCname));
        Assert.Equal(new CnameData("mx1.example.test"), m.Answers[0].Data);
        Assert.Equal("alias.example.test", m.Answers[0].Name);
        Assert.Equal("mx1.example.test", m.Answers[1].Name);
        Assert.Equal(new AddressData(IPAddress.Parse("192.0.2.1")), m.Answers[1].Data);
    }

    [Fact]
    public void Nxdomain_with_soa()
    {
        var m = DnsWire.Decode(Hex(NxDomainWithSoa));
        Assert.Equal(DnsResponseCode.NxDomain, m.ResponseCode);
        Assert.False(m.Authoritative);
        Assert.Empty(m.Answers);
        var soa = Assert.Single(m.Authority);
        Assert.Equal("example", soa.Name);
        Assert.Equal(3600u, soa.Ttl);
        Assert.Equal(new SoaData("ns.example", "hostmaster.example", 1, 7200, 900, 604800, 300), soa.Data);
    }

    [Fact]
    public void Odd_bytes_in_labels_are_escaped_unknown_types_kept_raw_and_a_negative_ttl_is_zero()
    {
        var packet = Hex(
            "000181800001000100000000" + "03612e62" + "05782079ff5c" + "00" + "00100001" +
            "c00c" + "0010" + "0001" + "80000000" + "0004" + "03782079");
        var m = DnsWire.Decode(packet);
        Assert.Equal("a\\.b.x\\032y\\255\\\\", m.Questions[0].Name);
        var txt = Assert.Single(m.Answers);
        Assert.Equal(DnsRecordType.TXT, txt.Type);
        Assert.Equal(0u, txt.Ttl); // RFC 2181 §8
        Assert.Equal(Hex("03782079"), ((RawData)txt.Data).Bytes.ToArray());
    }

    [Fact]
    public void Address_records_of_another_class_are_kept_raw()
    {
        var packet = Hex("000181800001000100000000" + "016100" + "00010003" + "c00c" + "0001" + "0003" + "00000000" + "0002" + "0102");
        var record = Assert.Single(DnsWire.Decode(packet).Answers);
        Assert.Equal(3, record.Class);
        Assert.IsType<RawData>(record.Data);
    }

    [Fact]
    public void Bytes_after_the_last_record_are_ignored()
    {
        var m = DnsWire.Decode(Hex(DnsmasqNullMx + "00ff00"));
        Assert.Single(m.Answers);
    }

    [Fact]
    public void Truncated_answer_decodes_header_and_question_only()
    {
        // TC set, ANCOUNT 30, and the answer section cut in the middle of a record, as a server may send it.
        var packet = Hex("000183800001001e00000000" + "016100" + "00010001" + "c00c0001000100000000000401");
        Assert.True(DnsWire.IsTruncated(packet));
        Assert.Throws<DnsFormatException>(() => DnsWire.Decode(packet));
        var m = DnsWire.DecodeHeaderAndQuestion(packet);
        Assert.True(m.Truncated);
        Assert.Equal("a", Assert.Single(m.Questions).Name);
        Assert.Empty(m.Answers);
        Assert.False(DnsWire.IsTruncated(Hex(DnsmasqMx)));
        Assert.False(DnsWire.IsTruncated(Hex("0001")));
    }

    private const string H1 = "000181800001000000000000"; // one question, nothing else counted
    private const string H1A = "000181800001000100000000"; // one question, one answer
    private const string QA = "016100" + "00010001"; // a. A IN

    private static string Repeat(string hex, int times) => string.Concat(Enumerable.Repeat(hex, times));

    public static TheoryData<string, string> Malformed => new()
    {
        { "", "empty" },
        { "0001818000010000000000", "11 octets: no full header" },
        { H1, "QDCOUNT 1 and no question" },
        { H1 + "016100" + "0001", "question cut inside the class" },
        { H1 + "05616263", "label runs past the end" },
        { H1 + "0161", "name without its root label" },
        { H1 + "40" + Repeat("61", 64) + "00" + "00010001", "label of 64 octets (length octet 0x40)" },
        { H1 + "7f" + Repeat("61", 127) + "00" + "00010001", "length octet 0x7f" },
        { H1 + "800161" + "00010001", "reserved label type 10" },
        { H1 + "c00c" + "00010001", "pointer to itself" },
        { H1 + "0161c00c" + "00010001", "pointer back to the start of its own name: a loop" },
        { H1 + "0161c00d" + "00010001", "pointer into its own name" },
        { H1 + "c010" + "00010001" + "016100", "pointer forward" },
        { H1 + "c004" + "00010001", "pointer into the header (where a zero octet would read as the root)" },
        { H1 + "c0", "pointer cut in half" },
        { H1 + "cfff" + "00010001", "pointer past the end" },
        { H1 + Repeat("3f" + Repeat("61", 63), 5) + "00" + "00010001", "name of 321 octets" },
        { H1 + Repeat("3f" + Repeat("61", 63), 4) + "00" + "00010001", "name of 257 octets" },
        {
            H1A + Repeat("3f" + Repeat("61", 63), 3) + "00" + "00010001" + "3f" + Repeat("62", 63) + "c00c" + "000100010000000000040102" + "0304",
            "name of 257 octets through a pointer"
        },
        { H1A + QA, "ANCOUNT 1 and no answer" },
        { "000181800001000000010000" + QA, "NSCOUNT 1 and no authority record" },
        { "000181800001000000000001" + QA, "ARCOUNT 1 and no additional record" },
        { "000181800001000200000000" + QA + "c00c000100010000000000040102" + "0304", "ANCOUNT 2 and one answer" },
        { H1A + QA + "c00c0001000100000000", "answer cut inside the TTL" },
        { H1A + QA + "c00c00010001000000000004" + "0102", "RDATA runs past the end" },
        { H1A + QA + "c00c00010001000000000005" + "0102030405", "A with RDLENGTH 5" },
        { H1A + QA + "c00c00010001000000000003" + "010203", "A with RDLENGTH 3" },
        { H1A + QA + "c00c001c0001000000000004" + "01020304", "AAAA with RDLENGTH 4" },
        { H1A + QA + "c00c000f0001000000000001" + "00", "MX RDATA cut inside the preference" },
        { H1A + QA + "c00c000f0001000000000002" + "000a", "MX without exchange" },
        { H1A + QA + "c00c000f0001000000000006" + "000a016d00ff", "MX with an octet after the exchange" },
        { H1A + QA + "c00c000f0001000000000004" + "000a016d" + "00", "MX exchange runs past RDLENGTH" },
        { H1A + QA + "c00c000f0001000000000004" + "000ac030", "MX exchange pointer forward" },
        { H1A + QA + "c00c000f0001000000000004" + "000ac021", "MX exchange pointer to itself" },
        { H1A + QA + "c00c00050001000000000004" + "016100ff", "CNAME with an octet after the target" },
        { H1A + QA + "c00c00050001000000000000", "CNAME with empty RDATA" },
        { H1A + QA + "c00c00060001000000000014" + "c00cc00c" + Repeat("00", 16), "SOA cut inside the minimum" },
        { H1A + QA + "c00c00060001000000000019" + "c00cc00c" + Repeat("00", 21), "SOA with an octet left over" },
        { H1A + QA + "c00c" + "0001" + "0001", "answer cut after the class" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_packets_are_refused(string hex, string why)
    {
        var packet = Hex(hex);
        var e = Assert.Throws<DnsFormatException>(() => DnsWire.Decode(packet));
        Assert.False(string.IsNullOrEmpty(e.Message), why);
    }

    [Fact]
    public void Every_prefix_of_a_valid_packet_is_refused()
    {
        foreach (var golden in Golden)
        {
            var packet = Hex(golden);
            DnsWire.Decode(packet);
            for (var length = 0; length < packet.Length; length++)
            {
                var prefix = packet[..length];
                var e = Record.Exception(() => DnsWire.Decode(prefix));
                Assert.True(e is DnsFormatException, $"prefix of {length} octets of {golden}: {(e is null ? "accepted" : e.ToString())}");
            }
        }
    }
}
