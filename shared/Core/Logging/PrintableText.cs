using System.Globalization;
using System.Text;

namespace EscRotators.Logging;

/// <summary>
/// Which characters may appear raw in a text log line or an echoed value. Besides control characters, Unicode format
/// characters (U+202E reverses the text that follows, U+200B hides), line and paragraph separators (U+2028/U+2029
/// break lines in many viewers) and lone surrogates could forge or hide log content.
/// </summary>
public static class PrintableText
{
    public static bool IsPrintable(char c) => CharUnicodeInfo.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };

    /// <summary>
    /// Appends <paramref name="text"/> with every character that is not printable written as an escape
    /// (<c>\n</c>, <c>\r</c>, <c>\t</c>, otherwise <c>\uXXXX</c>); surrogate pairs (emoji) stay as they are.
    /// </summary>
    public static StringBuilder AppendEscaped(StringBuilder builder, string text)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }

            _ = c switch
            {
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when IsPrintable(c) => builder.Append(c),
                _ => builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
            };
        }

        return builder;
    }

    /// <summary>
    /// Text from a peer or a caller, for a message: in double quotes, cut to <paramref name="maxLength"/> characters
    /// (an ellipsis marks the cut, never inside a surrogate pair) and escaped as <see cref="AppendEscaped"/> does;
    /// <c>(none)</c> for null.
    /// </summary>
    public static string Quote(string? text, int maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        if (text is null)
        {
            return "(none)";
        }

        var cut = text.Length > maxLength;
        var length = cut && maxLength > 0 && char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : Math.Min(text.Length, maxLength);
        var builder = new StringBuilder(length + 8).Append('"');
        AppendEscaped(builder, text[..length]);
        return builder.Append(cut ? "…\"" : "\"").ToString();
    }

    /// <summary>
    /// Text from a caller for a log field or a message that shows it bare: cut to <paramref name="maxLength"/>
    /// characters (an ellipsis marks the cut), each character that is not printable shown as <c>?</c>.
    /// </summary>
    public static string Shorten(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var cut = text.Length > maxLength;
        var builder = new StringBuilder(Math.Min(text.Length, maxLength) + 1);
        foreach (var c in cut ? text.AsSpan(0, maxLength) : text.AsSpan())
        {
            builder.Append(IsPrintable(c) ? c : '?');
        }

        return cut ? builder.Append('…').ToString() : builder.ToString();
    }

    /// <summary>True when <see cref="AppendEscaped"/> would change <paramref name="text"/>.</summary>
    public static bool NeedsEscaping(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            if (!IsPrintable(c))
            {
                return true;
            }
        }

        return false;
    }
}
