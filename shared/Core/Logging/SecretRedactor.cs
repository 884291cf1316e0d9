namespace EscRotators.Logging;

/// <summary>
/// The last line of defence for one invocation: every text that leaves it (failure messages, log lines built from
/// driver errors) passes through <see cref="Redact"/>, which replaces any of the invocation's secrets with a mask.
/// Our own messages never include secrets; this catches a driver that might.
/// </summary>
public sealed class SecretRedactor
{
    public const string Mask = "[redacted]";

    private readonly List<string> _secrets = [];

    /// <summary>
    /// Registers a secret and the forms SQL string literals give it (quotes doubled or backslash-escaped), since a
    /// server error that quotes a statement shows the escaped form; null or empty values are ignored.
    /// </summary>
    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }

        AddOne(secret);
        var backslashed = secret.Replace("\\", "\\\\", StringComparison.Ordinal);
        AddOne(backslashed.Replace("'", "\\'", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
        AddOne(backslashed.Replace("'", "''", StringComparison.Ordinal));
        AddOne(secret.Replace("'", "''", StringComparison.Ordinal));

        // Longest first, so a secret that contains another is masked whole.
        _secrets.Sort(static (a, b) => b.Length.CompareTo(a.Length));
    }

    private void AddOne(string form)
    {
        if (!_secrets.Contains(form, StringComparer.Ordinal))
        {
            _secrets.Add(form);
        }
    }

    /// <summary>
    /// Masks every whole occurrence of a secret: one not glued to letters or digits on either side, so a short secret
    /// never garbles (or reveals its position in) an ordinary word; "exist" stays "exist" when the secret is "x".
    /// </summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets)
        {
            text = MaskWhole(text, secret);
        }

        return text;
    }

    private static string MaskWhole(string text, string secret)
    {
        var found = text.IndexOf(secret, StringComparison.Ordinal);
        if (found < 0)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        var copied = 0;
        while (found >= 0)
        {
            var end = found + secret.Length;
            if (StandsAlone(text, found, end, secret))
            {
                builder.Append(text, copied, found - copied).Append(Mask);
                copied = end;
                found = text.IndexOf(secret, end, StringComparison.Ordinal);
            }
            else
            {
                found = text.IndexOf(secret, found + 1, StringComparison.Ordinal);
            }
        }

        return builder.Append(text, copied, text.Length - copied).ToString();
    }

    // A secret that starts (ends) with a letter or digit is a token only when the text has none just before (after) it.
    private static bool StandsAlone(string text, int start, int end, string secret) =>
        (start == 0 || !char.IsLetterOrDigit(secret[0]) || !char.IsLetterOrDigit(text[start - 1]))
        && (end == text.Length || !char.IsLetterOrDigit(secret[^1]) || !char.IsLetterOrDigit(text[end]));
}
