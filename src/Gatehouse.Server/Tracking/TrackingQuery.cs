using System.Globalization;
using Gatehouse.Server.Configuration;

namespace Gatehouse.Server.Tracking;

/// <summary>A search of the tracking log: every given criterion must hold; the answer is the whole timeline of each message found.</summary>
/// <param name="MessageId">The Message-ID, with or without its angle brackets; matched exactly.</param>
/// <param name="Sender">The envelope sender; matched without regard to case.</param>
/// <param name="Recipient">A recipient as some step names it; matched without regard to case.</param>
/// <param name="Since">Only messages with a matching step at or after this time.</param>
/// <param name="Until">Only messages with a matching step at or before this time.</param>
/// <param name="Limit">At most this many messages, the most recent ones.</param>
public sealed record TrackingQuery(string? MessageId, string? Sender, string? Recipient, DateTimeOffset? Since, DateTimeOffset? Until, int Limit = 1000)
{
    public const int MaxLimit = 10_000;

    /// <summary>Further Message-IDs, any of which may match (with <see cref="MessageId"/>): how an organization-wide search asks for the rest of the timelines it found.</summary>
    public IReadOnlyList<string> MoreMessageIds { get; init; } = [];

    /// <summary>Every Message-ID asked for, without angle brackets.</summary>
    public IReadOnlyList<string> MessageIds =>
        (MessageId is null ? MoreMessageIds : [MessageId, .. MoreMessageIds]).Select(StripBrackets).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>False for a query that names nothing to look for.</summary>
    public bool HasCriteria => MessageIds.Count > 0 || Sender is not null || Recipient is not null || Since is not null || Until is not null;

    /// <summary>An address or Message-ID as typed, without surrounding white space and angle brackets.</summary>
    public static string StripBrackets(string text)
    {
        var t = text.Trim();
        return t.StartsWith('<') && t.EndsWith('>') ? t[1..^1].Trim() : t;
    }

    /// <summary>Reads a time: ISO 8601 (<c>2025-11-23T09:00:00Z</c>, <c>2025-11-23 09:00</c>), or a duration ago (<c>30m</c>, <c>2h</c>, <c>1d</c>).</summary>
    /// <param name="assume">Whether an ISO time without an offset is local or universal time.</param>
    public static bool TryParseTime(string text, DateTimeOffset now, DateTimeStyles assume, out DateTimeOffset value)
    {
        var t = text.Trim();
        // A bare number would be seconds as a configuration duration, and is too easily a mistyped date here.
        if (t.Length > 0 && char.IsAsciiLetter(t[^1]) && t.Length < 12 && ConfigValues.TryParseDuration(t, out var ago))
        {
            value = now - ago;
            return true;
        }
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, assume | DateTimeStyles.AllowWhiteSpaces, out value);
    }
}
