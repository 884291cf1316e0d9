using System.Security.Cryptography;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Passwords and names for tests: random, so a leak check cannot match by accident.</summary>
public static class Secrets
{
    /// <summary>The characters that break naive quoting in SQL, DSNs and URLs, plus precomposed non-ASCII (SASLprep-stable).</summary>
    public const string HostilePasswordCharacters = "'\"\\@:/#?%;é ü日本";

    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>24 random alphanumerics.</summary>
    public static string Plain() => RandomNumberGenerator.GetString(Alphanumerics, 24);

    /// <summary>A random password holding every character of <see cref="HostilePasswordCharacters"/>.</summary>
    public static string Hostile() => "Pw" + HostilePasswordCharacters + "-" + Plain();

    /// <summary>A name no other test (or run) uses: esct_ and 8 random hex digits, then <paramref name="suffix"/>.</summary>
    public static string UniqueName(string suffix = "") =>
        "esct_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant() + suffix;
}
