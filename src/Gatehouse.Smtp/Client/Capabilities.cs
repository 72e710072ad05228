using System.Globalization;
using Gatehouse.Core.Protocol;

namespace Gatehouse.Smtp.Client;

/// <summary>The service extensions a server announced in its EHLO or LHLO reply (RFC 5321 §4.1.1.1).</summary>
/// <remarks>
/// <para>Reads the keywords Gatehouse's client acts on: PIPELINING (RFC 2920), SIZE (RFC 1870),
/// 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), DSN (RFC 3461), STARTTLS (RFC 3207), AUTH (RFC 4954,
/// including the pre-standard <c>AUTH=</c> form that old servers still send), CHUNKING and
/// BINARYMIME (RFC 3030) and ENHANCEDSTATUSCODES (RFC 2034). Keywords are case-insensitive;
/// unknown ones are kept in <see cref="Keywords"/> and otherwise ignored, as are empty lines.</para>
/// <para>It does not decide what to send; <see cref="ClientCommands"/> does, from these facts.</para>
/// </remarks>
public sealed class Capabilities
{
    private static readonly string[] AuthKeywords = ["AUTH", "AUTH="];

    private Capabilities(bool esmtp, string greeting, IReadOnlyDictionary<string, string> keywords)
    {
        Esmtp = esmtp;
        Greeting = greeting;
        Keywords = keywords;
        Pipelining = keywords.ContainsKey("PIPELINING");
        EightBitMime = keywords.ContainsKey("8BITMIME");
        SmtpUtf8 = keywords.ContainsKey("SMTPUTF8");
        Dsn = keywords.ContainsKey("DSN");
        StartTls = keywords.ContainsKey("STARTTLS");
        Chunking = keywords.ContainsKey("CHUNKING");
        BinaryMime = keywords.ContainsKey("BINARYMIME");
        EnhancedStatusCodes = keywords.ContainsKey("ENHANCEDSTATUSCODES");
        if (keywords.TryGetValue("SIZE", out var size))
        {
            SizeAnnounced = true;
            // RFC 1870 §4: no number, or 0, means no fixed limit.
            if (long.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var max) && max > 0) MaxSize = max;
        }
        var mechanisms = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in AuthKeywords)
        {
            if (!keywords.TryGetValue(key, out var list)) continue;
            foreach (var m in list.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)) mechanisms.Add(m.ToUpperInvariant());
        }
        AuthMechanisms = mechanisms;
    }

    /// <summary>What a server that answered HELO (not EHLO) offers: nothing.</summary>
    public static Capabilities None { get; } = new(false, "", new Dictionary<string, string>());

    /// <summary>True when the server answered EHLO or LHLO; false after a HELO fallback.</summary>
    public bool Esmtp { get; }

    /// <summary>The first line of the EHLO reply: the server's name and greeting text.</summary>
    public string Greeting { get; }

    /// <summary>Every keyword (upper case) with the rest of its line; <c>AUTH=</c> is kept under that name.</summary>
    public IReadOnlyDictionary<string, string> Keywords { get; }

    public bool Pipelining { get; }

    /// <summary>The server announced SIZE, with or without a limit: the SIZE parameter may be sent.</summary>
    public bool SizeAnnounced { get; }

    /// <summary>The announced fixed maximum message size in octets, or null when there is none.</summary>
    public long? MaxSize { get; }

    public bool EightBitMime { get; }

    public bool SmtpUtf8 { get; }

    public bool Dsn { get; }

    public bool StartTls { get; }

    /// <summary>SASL mechanism names in upper case, from <c>AUTH</c> and <c>AUTH=</c> lines together.</summary>
    public IReadOnlySet<string> AuthMechanisms { get; }

    public bool Chunking { get; }

    public bool BinaryMime { get; }

    public bool EnhancedStatusCodes { get; }

    /// <summary>Reads the lines of a positive EHLO/LHLO reply; the first line is the greeting, the rest are extensions.</summary>
    public static Capabilities FromEhlo(IReadOnlyList<string> lines)
    {
        var keywords = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            // "AUTH=LOGIN PLAIN" is one keyword, "AUTH=", followed by its mechanisms.
            var split = line.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase) ? 5 : line.IndexOfAny([' ', '\t']);
            var key = (split < 0 ? line : line[..split]).ToUpperInvariant();
            var value = split < 0 ? "" : line[split..].Trim();
            keywords.TryAdd(key, value);
        }
        return new Capabilities(true, lines.Count > 0 ? lines[0] : "", keywords);
    }

    /// <summary>Reads a positive EHLO/LHLO reply.</summary>
    public static Capabilities FromEhlo(SmtpReply reply) => FromEhlo(reply.Lines);

    public override string ToString() => string.Join(' ', Keywords.Select(k => k.Value.Length == 0 ? k.Key : k.Key + " " + k.Value));
}
