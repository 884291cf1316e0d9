using System.Globalization;

namespace EscRotators.SecretsManager.Rotation;

/// <summary>
/// What <c>GetRandomPassword</c> is asked for, from the variables AWS's rotation templates read, with their
/// defaults: a secret moved from a template to this function gets passwords of the same shape.
/// </summary>
public static class RandomPasswordSettings
{
    /// <summary>AWS's templates leave out the characters that break connection strings and shell quoting.</summary>
    public const string DefaultExcludeCharacters = "/@\"'\\";

    public const int DefaultLength = 32;

    /// <summary>
    /// The request from <c>EXCLUDE_CHARACTERS</c>, <c>PASSWORD_LENGTH</c> (8 to 4096), <c>EXCLUDE_NUMBERS</c>,
    /// <c>EXCLUDE_PUNCTUATION</c>, <c>EXCLUDE_UPPERCASE</c>, <c>EXCLUDE_LOWERCASE</c> and
    /// <c>REQUIRE_EACH_INCLUDED_TYPE</c> (true by default); the flags are true for <c>true</c>, <c>1</c>, <c>y</c>, <c>yes</c>.
    /// </summary>
    /// <exception cref="SecretsManagerConfigurationException">PASSWORD_LENGTH is not a whole number from 8 to 4096.</exception>
    public static GetRandomPasswordRequest FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var length = DefaultLength;
        if (environment("PASSWORD_LENGTH") is { Length: > 0 } text
            && (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length is < 8 or > 4096))
        {
            // Shorter than 8 is not a password worth rotating to; 4096 is the service's own limit.
            throw new SecretsManagerConfigurationException("PASSWORD_LENGTH must be a whole number from 8 to 4096");
        }

        return new GetRandomPasswordRequest
        {
            PasswordLength = length,
            ExcludeCharacters = environment("EXCLUDE_CHARACTERS") ?? DefaultExcludeCharacters,
            ExcludeNumbers = Flag(environment, "EXCLUDE_NUMBERS", false),
            ExcludePunctuation = Flag(environment, "EXCLUDE_PUNCTUATION", false),
            ExcludeUppercase = Flag(environment, "EXCLUDE_UPPERCASE", false),
            ExcludeLowercase = Flag(environment, "EXCLUDE_LOWERCASE", false),
            RequireEachIncludedType = Flag(environment, "REQUIRE_EACH_INCLUDED_TYPE", true),
        };
    }

    private static bool Flag(Func<string, string?> environment, string name, bool fallback) =>
        environment(name) is { } value
            ? value.Trim().ToUpperInvariant() is "TRUE" or "1" or "Y" or "YES"
            : fallback;
}
