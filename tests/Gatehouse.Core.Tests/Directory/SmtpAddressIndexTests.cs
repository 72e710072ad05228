using Gatehouse.Core.Directory;
using static Gatehouse.Core.Tests.Directory.Recipients;

namespace Gatehouse.Core.Tests.Directory;

/// <summary>The SMTP index under the directory: every address found by the typed-address rule, nothing else.</summary>
public class SmtpAddressIndexTests
{
    [Fact]
    public void Twenty_thousand_addresses_over_several_domains_are_all_found_and_near_misses_are_not()
    {
        var domains = new[] { "a.example", "b.example", "c.example", "d.example", "e.example", "f.example", "g.example", "h.example", "i.example", "j.example" };
        var boxes = Enumerable.Range(0, 10_000).Select(i => Box("u" + i, $"SMTP:First{i}.Last@{domains[i % domains.Length]}", $"smtp:u{i}@{domains[(i + 1) % domains.Length]}")).ToArray();
        var directory = Clean(boxes);
        for (var i = 0; i < 10_000; i += 7)
        {
            Assert.Same(boxes[i], directory.Find(Typed($"SMTP:FIRST{i}.last@{domains[i % domains.Length].ToUpperInvariant()}")));
            Assert.Same(boxes[i], directory.Find(Typed($"SMTP:U{i}@{domains[(i + 1) % domains.Length]}")));
            Assert.Null(directory.Find(Typed($"SMTP:u{i}@{domains[(i + 2) % domains.Length]}")));
            Assert.Null(directory.Find(Typed($"SMTP:first{i}.last2@{domains[i % domains.Length]}")));
            Assert.Null(directory.Find(Typed($"SMTP:u{i}@unknown.example")));
        }
    }

    [Theory]
    [InlineData("SMTP:ÜNÏCODE@x.example")]
    [InlineData("SMTP:ünïcode@x.example")]
    [InlineData("SMTP:\"ünïCODE\"@X.EXAMPLE")]
    public void Non_ascii_local_parts_compare_ignoring_case_like_typed_addresses(string probe)
    {
        var box = Box("u", "SMTP:Ünïcode@x.example");
        var directory = Clean(box);
        Assert.Equal(Typed("SMTP:Ünïcode@x.example"), Typed(probe));
        Assert.Same(box, directory.Find(Typed(probe)));
    }

    [Fact]
    public void An_empty_directory_finds_nothing() => Assert.Null(RecipientDirectory.Empty.Find(Typed("SMTP:a@b.example")));
}
