using System.Text;

namespace EscRotators.Postgres.Scram;

/// <summary>
/// SASLprep (RFC 4013) exactly as PostgreSQL's <c>pg_saslprep</c> applies it before hashing a SCRAM password,
/// so the verifier we compute matches what libpq and the server derive at login. Pure ASCII passes unchanged;
/// a password holding prohibited or unassigned characters is used as raw UTF-8, as PostgreSQL does.
/// NFKC is unavailable without ICU, so a password that NFKC would change is refused rather than hashed wrongly.
/// </summary>
internal static class SaslPrep
{
    /// <summary>
    /// The string whose UTF-8 bytes PostgreSQL hashes for <paramref name="password"/> (what a client must present
    /// to a driver that hashes its input as is); null when NFKC would be needed.
    /// </summary>
    public static string? Prepare(string password) =>
        TryPrepare(password, out var prepared) ? Encoding.UTF8.GetString(prepared) : null;

    /// <summary>The bytes PostgreSQL hashes for <paramref name="password"/>; false when NFKC would be needed.</summary>
    public static bool TryPrepare(string password, out byte[] prepared)
    {
        if (Ascii.IsValid(password))
        {
            prepared = Encoding.UTF8.GetBytes(password);
            return true;
        }

        var mapped = new List<int>(password.Length);
        foreach (var rune in password.EnumerateRunes())
        {
            // PostgreSQL's order (saslprep.c): C.1.2 spaces map to U+0020 before B.1 maps to nothing, which matters
            // for U+200B, listed in both.
            var cp = rune.Value;
            if (In(SaslPrepTables.NonAsciiSpace, cp))
            {
                mapped.Add(' ');
            }
            else if (!In(SaslPrepTables.CommonlyMappedToNothing, cp))
            {
                mapped.Add(cp);
            }
        }

        if (mapped.Count == 0 || mapped.Exists(cp => In(SaslPrepTables.Prohibited, cp) || In(SaslPrepTables.Unassigned, cp)))
        {
            prepared = Encoding.UTF8.GetBytes(password);
            return true;
        }

        if (mapped.Exists(cp => In(SaslPrepTables.NfkcUnstable, cp)))
        {
            prepared = [];
            return false;
        }

        // Bidirectional rule (RFC 3454 section 6): failing it counts as prohibited.
        if (mapped.Exists(cp => In(SaslPrepTables.RandAL, cp))
            && (mapped.Exists(cp => In(SaslPrepTables.LeftToRight, cp))
                || !In(SaslPrepTables.RandAL, mapped[0])
                || !In(SaslPrepTables.RandAL, mapped[^1])))
        {
            prepared = Encoding.UTF8.GetBytes(password);
            return true;
        }

        var builder = new StringBuilder(mapped.Count);
        foreach (var cp in mapped)
        {
            builder.Append(new Rune(cp).ToString());
        }

        prepared = Encoding.UTF8.GetBytes(builder.ToString());
        return true;
    }

    private static bool In(ReadOnlySpan<int> ranges, int codePoint)
    {
        // Ranges are sorted pairs: binary search on the start points.
        int low = 0, high = (ranges.Length / 2) - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (codePoint < ranges[mid * 2])
            {
                high = mid - 1;
            }
            else if (codePoint > ranges[(mid * 2) + 1])
            {
                low = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }
}
