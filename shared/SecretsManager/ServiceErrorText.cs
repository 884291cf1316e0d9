using System.Text;

namespace EscRotators.SecretsManager;

/// <summary>Turns what a service sent back into text fit for an exception message and a log line.</summary>
internal static class ServiceErrorText
{
    public const int MaxMessageLength = 300;
    public const int MaxCodeLength = 100;

    /// <summary>
    /// The error code of <c>__type</c> or <c>x-amzn-ErrorType</c>: the shape name after a namespace
    /// (<c>com.amazonaws.secretsmanager#</c>) and before a <c>:</c> suffix, letters, digits, '.', '_' and '-' only.
    /// </summary>
    public static string? Code(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }
        var code = type.Trim();
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }
        var colon = code.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            code = code[..colon];
        }
        var builder = new StringBuilder(Math.Min(code.Length, MaxCodeLength));
        foreach (var c in code)
        {
            if (builder.Length == MaxCodeLength)
            {
                break;
            }
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-')
            {
                builder.Append(c);
            }
        }
        return builder.Length == 0 ? null : builder.ToString();
    }

    /// <summary>
    /// Every value in <paramref name="sensitive"/> replaced by <c>***</c> (a service may quote the request back, and
    /// AWS's signature errors quote the canonical request with its token), control characters as spaces, at most
    /// <see cref="MaxMessageLength"/> characters.
    /// </summary>
    public static string Message(string? message, IEnumerable<string?> sensitive)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "";
        }
        var text = message;
        foreach (var value in sensitive)
        {
            // Short values would blank out ordinary words; nothing this short is a secret worth hiding.
            if (value is { Length: >= 4 })
            {
                text = text.Replace(value, "***", StringComparison.Ordinal);
            }
        }
        var builder = new StringBuilder(Math.Min(text.Length, MaxMessageLength + 3));
        foreach (var rune in text.EnumerateRunes())
        {
            if (builder.Length >= MaxMessageLength)
            {
                builder.Append("...");
                break;
            }
            if (Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029)
            {
                builder.Append(' ');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }
        return builder.ToString().Trim();
    }
}
