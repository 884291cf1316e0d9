namespace EscRotators.Redaction;

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

    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }
}
