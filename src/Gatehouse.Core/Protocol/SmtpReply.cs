using System.Text;

namespace Gatehouse.Core.Protocol;

/// <summary>An SMTP reply: a three-digit code, an optional enhanced status code and one or more text lines.</summary>
/// <remarks>
/// Reply text never carries configuration details (paths, host names of internal systems) because it
/// is shown to untrusted clients. Multi-line replies use "code-" continuation lines (RFC 5321 §4.2.1).
/// </remarks>
public sealed record SmtpReply
{
    public SmtpReply(int code, EnhancedStatusCode? status, params string[] lines)
    {
        if (code is < 200 or > 599) throw new ArgumentOutOfRangeException(nameof(code));
        if (lines.Length == 0) lines = [""];
        Code = code;
        Status = status;
        Lines = lines;
    }

    public int Code { get; }

    public EnhancedStatusCode? Status { get; }

    public IReadOnlyList<string> Lines { get; }

    public bool IsPositive => Code < 400;

    public bool IsTransient => Code is >= 400 and < 500;

    public bool IsPermanent => Code >= 500;

    /// <summary>The first line's text, for logs.</summary>
    public string Text => Lines[0];

    /// <summary>Writes the reply as wire text, each line ending in CRLF.</summary>
    public string ToWire(bool enhanced = true)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < Lines.Count; i++)
        {
            sb.Append(Code).Append(i == Lines.Count - 1 ? ' ' : '-');
            if (enhanced && Status is { } s) sb.Append(s.ToString()).Append(' ');
            sb.Append(Lines[i]).Append("\r\n");
        }
        return sb.ToString();
    }

    public override string ToString() => ToWire().TrimEnd();

    /// <summary>Replies are equal when code, status and every line are: the same reply made twice is the same reply.</summary>
    public bool Equals(SmtpReply? other) =>
        other is not null && Code == other.Code && Status == other.Status && Lines.SequenceEqual(other.Lines, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Code, Status, Lines.Count > 0 ? StringComparer.Ordinal.GetHashCode(Lines[0]) : 0);

    public static SmtpReply Of(int code, string status, string text) =>
        new(code, EnhancedStatusCode.TryParse(status, out var s) ? s : throw new ArgumentException("bad status", nameof(status)), text);
}
