namespace EscRotators.Adapter;

/// <summary>
/// A glob on a token's <c>sub</c>: <c>*</c> matches any run of characters (including <c>:</c> and <c>/</c>),
/// <c>?</c> exactly one; everything else matches itself, case-sensitively.
/// </summary>
public sealed class SubjectPattern
{
    private readonly string _pattern;

    public SubjectPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        _pattern = pattern;
    }

    public override string ToString() => _pattern;

    public bool Matches(string subject)
    {
        ArgumentNullException.ThrowIfNull(subject);

        // Iterative wildcard match with one backtrack point: linear in practice, no regular expression engine.
        int p = 0, s = 0, star = -1, resume = 0;
        while (s < subject.Length)
        {
            if (p < _pattern.Length && (_pattern[p] == '?' || _pattern[p] == subject[s]) && _pattern[p] != '*')
            {
                p++;
                s++;
            }
            else if (p < _pattern.Length && _pattern[p] == '*')
            {
                star = p++;
                resume = s;
            }
            else if (star >= 0)
            {
                p = star + 1;
                s = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < _pattern.Length && _pattern[p] == '*')
        {
            p++;
        }

        return p == _pattern.Length;
    }
}
