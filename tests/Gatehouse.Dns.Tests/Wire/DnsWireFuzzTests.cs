using Gatehouse.Dns.Tests.Support;

namespace Gatehouse.Dns.Tests.Wire;

/// <summary>Feeds the decoder mutated and random packets: whatever comes in, the only exception out is <see cref="DnsFormatException"/>.</summary>
/// <remarks>Seeds are fixed, so a run is reproducible; a failure prints the packet, which then belongs in the malformed table.</remarks>
public class DnsWireFuzzTests
{
    private static IEnumerable<byte[]> Seeds()
    {
        foreach (var golden in DnsWireTests.Golden) yield return DnsWireTests.Hex(golden);
        var built = new Packet { Id = 7 }.Question("mail.example.com", DnsRecordType.MX)
            .Answer("mail.example.com", DnsRecordType.CNAME, 60, Packet.Cname("mx.example.com"))
            .Answer("mx.example.com", DnsRecordType.MX, 60, Packet.Mx(10, "a.example.com"))
            .Authority("example.com", DnsRecordType.SOA, 60, Packet.Soa(30))
            .Additional("a.example.com", DnsRecordType.AAAA, 60, Packet.A("2001:db8::5"));
        yield return built.Build();
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var p = new List<byte>(seed);
        var rounds = random.Next(1, 5);
        for (var i = 0; i < rounds; i++)
        {
            switch (random.Next(7))
            {
                case 0 when p.Count > 0:
                    p[random.Next(p.Count)] = (byte)random.Next(256);
                    break;
                case 1 when p.Count > 0:
                    var keep = random.Next(p.Count);
                    p.RemoveRange(keep, p.Count - keep);
                    break;
                case 2:
                    p.InsertRange(random.Next(p.Count + 1), Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3 when p.Count >= 12:
                    // A count far larger or smaller than what follows.
                    var field = 4 + (2 * random.Next(4));
                    p[field] = (byte)(random.Next(2) == 0 ? 0 : random.Next(256));
                    p[field + 1] = (byte)random.Next(256);
                    break;
                case 4 when p.Count > 4:
                    var from = random.Next(p.Count);
                    var chunk = p.Skip(from).Take(random.Next(1, 20)).ToList();
                    p.InsertRange(random.Next(p.Count + 1), chunk);
                    break;
                case 5 when p.Count > 2:
                    // A compression pointer anywhere, to anywhere: loops, forward jumps, jumps into the header.
                    var at = random.Next(p.Count - 1);
                    var target = random.Next(p.Count + 16);
                    p[at] = (byte)(0xC0 | ((target >> 8) & 0x3F));
                    p[at + 1] = (byte)target;
                    break;
                case 6 when p.Count > 0:
                    // A label length over 63 or of a reserved type.
                    p[random.Next(p.Count)] = (byte)random.Next(0x40, 0xC0);
                    break;
            }
        }
        return [.. p];
    }

    private static void DecodeOrRefuse(byte[] packet, ref int decoded, ref int refused)
    {
        try
        {
            DnsWire.Decode(packet);
            decoded++;
        }
        catch (DnsFormatException)
        {
            refused++;
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name} from {Convert.ToHexString(packet)}:\n{e}");
        }
        try
        {
            DnsWire.DecodeHeaderAndQuestion(packet);
        }
        catch (DnsFormatException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name} from DecodeHeaderAndQuestion of {Convert.ToHexString(packet)}:\n{e}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mutated_packets_decode_or_raise_only_DnsFormatException(int seed)
    {
        var random = new Random(seed);
        int decoded = 0, refused = 0;
        foreach (var original in Seeds())
        {
            for (var i = 0; i < 4000; i++) DecodeOrRefuse(Mutate(original, random), ref decoded, ref refused);
        }
        // Both outcomes must occur, or the mutations are too mild (or too wild) to test anything.
        Assert.True(decoded > 100, $"only {decoded} mutated packets decoded");
        Assert.True(refused > 1000, $"only {refused} mutated packets were refused");
    }

    [Fact]
    public void Random_packets_decode_or_raise_only_DnsFormatException()
    {
        var random = new Random(42);
        int decoded = 0, refused = 0;
        for (var i = 0; i < 20000; i++)
        {
            var packet = new byte[random.Next(0, 600)];
            random.NextBytes(packet);
            // Small counts make the random bytes get further than the header more often.
            if (packet.Length >= 12 && random.Next(2) == 0)
            {
                for (var f = 4; f < 12; f++) packet[f] = f % 2 == 0 ? (byte)0 : (byte)random.Next(3);
            }
            DecodeOrRefuse(packet, ref decoded, ref refused);
        }
        Assert.True(refused > 10000);
    }
}
