using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Envelope;
using Gatehouse.Core.Tests.Support;
using static Gatehouse.Core.Tests.Notices.Dsn;

namespace Gatehouse.Core.Tests.Notices;

/// <summary>Whatever the original holds, the boundary of the notice occurs only where the notice puts it.</summary>
public class DsnBoundaryPropertyTests
{
    // The boundary Compose derives from Id first; contents below are built to contain it.
    private const string WouldBe = "=_gh_20261123172003.4F2A.gatehouse.contoso.com";

    private static readonly Gen<string> Word = Gen.Elements("Subject: x", "hello", "--", "=_gh_", "boundary", "\t", " ", ".", "ü", "\u00ff");

    private static readonly Gen<byte[]> Chunk = Gen.Frequency(
        (3, Word.Select(w => Encoding.UTF8.GetBytes(w))),
        (3, Gen.Elements(WouldBe, "--" + WouldBe, "\r\n--" + WouldBe + "--\r\n", WouldBe + "_", WouldBe + "_0123456789ABCDEF").Select(s => Encoding.ASCII.GetBytes(s))),
        (1, Gen.Choose(0, 255).Select(i => (byte)i).ArrayOf()),
        (2, Gen.Elements("\r\n", "\n", "\r", "\r\n\r\n").Select(s => Encoding.ASCII.GetBytes(s))));

    private static readonly Gen<byte[]> Content =
        from head in Gen.Elements("Subject: figures\r\n", "Subject: " + WouldBe + "\r\n", "", "From: a@b\r\n\r\n")
        from chunks in Chunk.ListOf()
        select Encoding.ASCII.GetBytes(head).Concat(chunks.SelectMany(c => c)).ToArray();

    [Fact]
    public void The_boundary_occurs_only_in_the_content_type_and_the_delimiters()
    {
        Assert.Equal(WouldBe, Split(Compose(Report(Failed("user@example.com", "5.1.1")))).Boundary);
        var rets = Gen.Elements(DsnReturn.Unspecified, DsnReturn.Full, DsnReturn.Headers);
        Check.One(Properties.Deterministic(500), Prop.ForAll(Content.ToArbitrary(), rets.ToArbitrary(), (content, ret) =>
        {
            var dsn = Compose(Report(Failed("user@example.com", "5.1.1", "mx.example.com", Encoding.Latin1.GetString(content))), content, ret);
            var mime = Split(dsn);
            Assert.Equal(3, mime.Parts.Count);
            // Once in the Content-Type parameter, then three delimiters and the close delimiter.
            Assert.Equal(5, Occurrences(dsn, Encoding.ASCII.GetBytes(mime.Boundary)));
        }));
    }

    private static int Occurrences(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        var n = 0;
        for (var at = haystack.IndexOf(needle); at >= 0; at = haystack.IndexOf(needle))
        {
            n++;
            haystack = haystack[(at + 1)..];
        }
        return n;
    }
}
