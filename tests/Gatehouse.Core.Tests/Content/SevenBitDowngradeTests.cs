using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Gatehouse.Core.Content;
using Gatehouse.Core.Tests.Support;

namespace Gatehouse.Core.Tests.Content;

/// <summary>8-bit to 7-bit MIME conversion (RFC 6152 §3): a golden table of messages, and a property over random MIME trees.</summary>
/// <remarks>Messages are written as C# strings and turned into octets as Latin-1, so "\u00e9" is the single octet E9.</remarks>
public class SevenBitDowngradeTests
{
    private static byte[] Octets(string s) => Encoding.Latin1.GetBytes(s);

    private static string Text(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    public static TheoryData<string, string, string> Converted => new()
    {
        {
            "no Content-Type: text/plain is assumed",
            "From: a@example.com\r\nSubject: hi\r\n\r\ncaf\u00e9 au lait\r\n",
            "From: a@example.com\r\nSubject: hi\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 au lait\r\n"
        },
        {
            "simple text body labelled 8bit, trailing white space and = encoded",
            "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\nSubject: x\r\n\r\n\u00e9t\u00e9 \r\n1+1=2\t\r\n",
            "Content-Type: text/plain; charset=iso-8859-1\r\nSubject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9t=E9=20\r\n1+1=3D2=09\r\n"
        },
        {
            "multipart/mixed with an 8-bit text and a binary attachment",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
            "preamble\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGr\u00c3\u00bc\u00c3\u009fe\r\n" +
            "--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n\u0000\u0001\u00ff\u00fe\r\n--XX--\r\nepilogue\r\n",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n" +
            "preamble\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n" +
            "--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAH//g==\r\n\r\n--XX--\r\nepilogue\r\n"
        },
        {
            "nested multipart: only the 8-bit leaves change",
            "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
            "--inner\r\nContent-Type: text/plain\r\n\r\nna\u00efve\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>plain ascii</p>\r\n--inner--\r\n" +
            "--outer\r\nContent-Type: image/gif\r\n\r\nGIF\u0089\r\n--outer--\r\n",
            "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n" +
            "--inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nna=EFve\r\n--inner\r\nContent-Type: text/html\r\n\r\n<p>plain ascii</p>\r\n--inner--\r\n" +
            "--outer\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\n\r\nR0lGiQ==\r\n\r\n--outer--\r\n"
        },
        {
            "multipart without a boundary is one text/plain (RFC 2045 §5.2)",
            "Subject: x\r\nContent-Type: multipart/mixed\r\n\r\n--foo\r\n\u00e9\r\n--foo--\r\n",
            "Subject: x\r\nContent-Type: text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=2D-foo\r\n=E9\r\n=2D-foo--\r\n"
        },
        {
            "multipart whose boundary never occurs is one text/plain",
            "Content-Type: multipart/mixed; boundary=nowhere\r\n\r\n--foo\r\n\u00e9\r\n",
            "Content-Type: text/plain; charset=unknown-8bit\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=2D-foo\r\n=E9\r\n"
        },
        {
            "message/rfc822 is recursed into, never base64-encoded (RFC 2046 §5.2.1)",
            "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nSubject: inner\r\n\r\n\u00e9\r\n",
            "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 7bit\r\n\r\nSubject: inner\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9\r\n"
        },
        {
            "parts of multipart/digest default to message/rfc822",
            "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: m\r\n\r\n\u00e9\r\n--d--\r\n",
            "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: m\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9\r\n--d--\r\n"
        },
        {
            "an 8-bit preamble and epilogue are dropped, 7-bit parts kept as they are",
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n\u00e9preamble\r\n--b\r\n\r\nascii\r\n--b--\r\n\u00e9epilogue\r\n",
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nascii\r\n--b--\r\n"
        },
        {
            "a non-text top level is base64, its final line break included",
            "Content-Type: application/pdf\r\n\r\n%PDF\u00e2\u00e3\r\n",
            "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERuLjDQo=\r\n"
        },
        {
            "folded Content-Type with a comment and a quoted boundary; white space after the delimiter",
            "Content-Type: multipart/mixed (the usual);\r\n\tboundary=\"a b\"\r\n\r\n--a b  \r\n\r\n\u00e9\r\n--a b--\r\n",
            "Content-Type: multipart/mixed (the usual);\r\n\tboundary=\"a b\"\r\n\r\n--a b  \r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9\r\n--a b--\r\n"
        },
        {
            "a header without the empty line gets one",
            "Subject: x\r\n\u00e9 starts the body\r\n",
            "Subject: x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9 starts the body\r\n"
        },
        {
            "bare CR and LF in text are encoded, not taken for line breaks",
            "\r\na\rb\nc\u00e9",
            "Content-Transfer-Encoding: quoted-printable\r\n\r\na=0Db=0Ac=E9"
        },
        {
            "message/global may be encoded (RFC 6532 §3.5)",
            "Content-Type: message/global\r\n\r\nSubject: \u00e9\r\n\r\nx\r\n",
            "Content-Type: message/global\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDog6Q0KDQp4DQo=\r\n"
        },
    };

    [Theory]
    [MemberData(nameof(Converted))]
    public void Converts(string why, string input, string expected)
    {
        var result = SevenBitDowngrade.Convert(Octets(input));
        Assert.True(result.Status == DowngradeStatus.Converted, $"{why}: {result.Status} {result.Failure}");
        Assert.Equal(expected, Text(result.Content.Span));
        Assert.False(SevenBitDowngrade.HasEightBit(result.Content.Span), why);
        Assert.Equal(DowngradeStatus.Unchanged, SevenBitDowngrade.Convert(result.Content).Status);
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "8-bit top-level header", "Subject: caf\u00e9\r\n\r\nbody\r\n", "554 5.6.3 message has 8-bit headers and the next hop does not accept 8-bit mail" },
        { "8-bit header only", "Subject: caf\u00e9\r\n", "554 5.6.3 message has 8-bit headers and the next hop does not accept 8-bit mail" },
        {
            "8-bit header of a part",
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Disposition: attachment; filename=\u00e9.txt\r\n\r\nx\r\n--b--\r\n",
            "554 5.6.3 message has 8-bit headers and the next hop does not accept 8-bit mail"
        },
        {
            "8-bit header inside message/rfc822",
            "Content-Type: message/rfc822\r\n\r\nSubject: \u00e9\r\n\r\nx\r\n",
            "554 5.6.3 message has 8-bit headers and the next hop does not accept 8-bit mail"
        },
        {
            "a base64 part with 8-bit octets",
            "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBO\u00e9\r\n",
            "554 5.6.3 message has 8-bit content that cannot be converted to 7 bit (a part labelled base64 holds 8-bit octets)"
        },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses(string why, string input, string reply)
    {
        var result = SevenBitDowngrade.Convert(Octets(input));
        Assert.True(result.Status == DowngradeStatus.Impossible, why);
        Assert.StartsWith(reply, result.Failure!.ToString(), StringComparison.Ordinal);
        Assert.True(result.Failure.IsPermanent);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Subject: x\r\n\r\nplain\r\n")]
    [InlineData("Content-Type: text/plain\r\nContent-Transfer-Encoding: 8bit\r\n\r\nlabelled 8bit, but is not\r\n")]
    public void Leaves_7_bit_messages_alone(string input)
    {
        var bytes = Octets(input);
        var result = SevenBitDowngrade.Convert(bytes);
        Assert.Equal(DowngradeStatus.Unchanged, result.Status);
        Assert.Equal(bytes, result.Content.ToArray());
    }

    [Fact]
    public void Quoted_printable_lines_stay_within_76_characters()
    {
        var body = new string('\u00e9', 80) + " " + new string('a', 200) + "\r\nshort\r\n";
        var result = SevenBitDowngrade.Convert(Octets("Subject: long\r\n\r\n" + body));
        var text = Text(result.Content.Span);
        var encoded = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.All(encoded.Split("\r\n"), line => Assert.InRange(line.Length, 0, 76));
        Assert.Equal(Octets(body), Mime.QuotedPrintableDecode(encoded));
    }

    [Fact]
    public void Nesting_beyond_the_limit_is_refused_not_recursed_forever()
    {
        var sb = new StringBuilder();
        for (var i = 0; i <= SevenBitDowngrade.MaxDepth + 1; i++) sb.Append("Content-Type: message/rfc822\r\n\r\n");
        sb.Append("\u00e9\r\n");
        var result = SevenBitDowngrade.Convert(Octets(sb.ToString()));
        Assert.Equal(DowngradeStatus.Impossible, result.Status);
        Assert.Contains("nested too deeply", result.Failure!.Text, StringComparison.Ordinal);
    }

    // ---- property: random MIME trees ----

    private abstract record Node;

    private sealed record Leaf(string ContentType, string? Encoding, byte[] Body) : Node;

    private sealed record Multi(string Subtype, Node[] Children) : Node;

    // No '-' in bodies, so no body line can look like a delimiter; everything else that matters to the encoders is here.
    private static readonly Gen<byte> BodyOctet = Gen.Frequency(
        (6, Gen.Elements<byte>((byte)'a', (byte)'Z', (byte)'.', (byte)' ', (byte)'\t', (byte)'=', (byte)'\r', (byte)'\n')),
        (2, Gen.Elements<byte>(0xE9, 0xFF, 0x80, 0xC3)),
        (1, Gen.Elements<byte>(0, 1, 0x7F)));

    private static readonly Gen<Node> LeafGen =
        from type in Gen.Elements("text/plain; charset=utf-8", "text/html", "application/octet-stream", "image/png")
        from encoding in Gen.Elements<string?>(null, "7bit", "8bit", "binary")
        from body in BodyOctet.ArrayOf()
        select (Node)new Leaf(type, encoding, body);

    private static Gen<Node> NodeGen(int depth) => depth == 0
        ? LeafGen
        : Gen.Frequency(
            (2, LeafGen),
            (1, from subtype in Gen.Elements("mixed", "alternative", "related")
                from count in Gen.Choose(1, 3)
                from children in NodeGen(depth - 1).ArrayOf(count)
                select (Node)new Multi(subtype, children)));

    private static string Boundary(string path) => "=_b" + path;

    private static void Render(Node node, string path, List<byte> output)
    {
        switch (node)
        {
            case Leaf leaf:
                output.AddRange(Octets($"Content-Type: {leaf.ContentType}\r\n"));
                if (leaf.Encoding is { } e) output.AddRange(Octets($"Content-Transfer-Encoding: {e}\r\n"));
                output.AddRange(Octets("\r\n"));
                output.AddRange(leaf.Body);
                break;
            case Multi multi:
                var b = Boundary(path);
                output.AddRange(Octets($"Content-Type: multipart/{multi.Subtype}; boundary=\"{b}\"\r\n\r\n"));
                for (var i = 0; i < multi.Children.Length; i++)
                {
                    output.AddRange(Octets(i == 0 ? $"--{b}\r\n" : $"\r\n--{b}\r\n"));
                    Render(multi.Children[i], path + "_" + i, output);
                }
                output.AddRange(Octets($"\r\n--{b}--\r\n"));
                break;
        }
    }

    /// <summary>Checks that the converted entity decodes, part by part, to exactly the octets of the tree.</summary>
    private static void Verify(Node node, string path, string entity)
    {
        var split = entity.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split >= 0, $"no header end in part {path}");
        var header = entity[..(split + 2)];
        var body = entity[(split + 4)..];
        var encodings = header.Split("\r\n").Where(l => l.StartsWith("Content-Transfer-Encoding:", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.True(encodings.Length <= 1, $"more than one Content-Transfer-Encoding in part {path}");
        var encoding = encodings.Length == 0 ? "7bit" : encodings[0].Split(':')[1].Trim();
        switch (node)
        {
            case Leaf leaf:
                var decoded = encoding switch
                {
                    "quoted-printable" => Mime.QuotedPrintableDecode(body),
                    "base64" => Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c)))),
                    _ => Octets(body),
                };
                Assert.True(leaf.Body.AsSpan().SequenceEqual(decoded), $"part {path} ({encoding}) does not decode to its original octets");
                if (encoding == "quoted-printable")
                {
                    Assert.DoesNotContain(body.Split("\r\n"), l => l.Length > 76 || l.EndsWith(' ') || l.EndsWith('\t'));
                }
                break;
            case Multi multi:
                var b = Boundary(path);
                Assert.StartsWith($"--{b}\r\n", body, StringComparison.Ordinal);
                var close = body.LastIndexOf($"\r\n--{b}--\r\n", StringComparison.Ordinal);
                Assert.True(close > 0, $"no close delimiter in part {path}");
                var parts = body[($"--{b}\r\n".Length)..close].Split($"\r\n--{b}\r\n");
                Assert.Equal(multi.Children.Length, parts.Length);
                for (var i = 0; i < parts.Length; i++) Verify(multi.Children[i], path + "_" + i, parts[i]);
                break;
        }
    }

    [Fact]
    public void Output_is_7_bit_and_every_part_decodes_to_its_original_octets()
    {
        Check.One(Properties.Deterministic(500), Prop.ForAll(NodeGen(3).ToArbitrary(), tree =>
        {
            var message = new List<byte>(Octets("Subject: property\r\nMIME-Version: 1.0\r\n"));
            Render(tree, "0", message);
            var input = message.ToArray();
            var result = SevenBitDowngrade.Convert(input);
            var eightBit = SevenBitDowngrade.HasEightBit(input);
            Assert.Equal(eightBit ? DowngradeStatus.Converted : DowngradeStatus.Unchanged, result.Status);
            Assert.False(SevenBitDowngrade.HasEightBit(result.Content.Span));
            var text = Text(result.Content.Span);
            Assert.StartsWith("Subject: property\r\nMIME-Version: 1.0\r\n", text, StringComparison.Ordinal);
            Verify(tree, "0", text["Subject: property\r\nMIME-Version: 1.0\r\n".Length..]);
            Assert.Equal(DowngradeStatus.Unchanged, SevenBitDowngrade.Convert(result.Content).Status);
        }));
    }
}

/// <summary>Decoders for checking conversions, written from RFC 2045 independently of the encoder under test.</summary>
internal static class Mime
{
    /// <summary>RFC 2045 §6.7: "=XX" is an octet, "=" at the end of a line is a soft line break, anything else is itself.</summary>
    public static byte[] QuotedPrintableDecode(string encoded)
    {
        var output = new List<byte>();
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c != '=')
            {
                Assert.True(c < 128, "quoted-printable holds a non-ASCII character");
                output.Add((byte)c);
                continue;
            }
            if (encoded.AsSpan(i + 1).StartsWith("\r\n"))
            {
                i += 2;
                continue;
            }
            output.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
            i += 2;
        }
        return [.. output];
    }
}
