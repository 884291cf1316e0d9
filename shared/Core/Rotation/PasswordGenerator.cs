using System.Security.Cryptography;

namespace EscRotators.Rotation;

/// <summary>
/// Generates passwords from <see cref="RandomNumberGenerator"/>. Every character is drawn uniformly from the
/// policy's alphabet; a draw lacking a lower-case letter, an upper-case letter, a digit (or a symbol when the
/// policy has some) is thrown away and drawn again, so servers with complexity rules (MySQL validate_password)
/// accept every result without biasing the characters that are kept.
/// </summary>
public sealed class PasswordGenerator
{
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public string Generate(PasswordPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Length is < PasswordPolicy.MinimumLength or > PasswordPolicy.MaximumLength)
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy.Length, "password length out of range");
        }

        var alphabet = Alphanumerics + policy.Symbols;
        var buffer = new char[policy.Length];
        do
        {
            RandomNumberGenerator.GetItems<char>(alphabet, buffer);
        }
        while (!HasEveryClass(buffer, policy.Symbols));

        return new string(buffer);
    }

    private static bool HasEveryClass(ReadOnlySpan<char> password, string symbols)
    {
        bool lower = false, upper = false, digit = false, symbol = symbols.Length == 0;
        foreach (var c in password)
        {
            if (char.IsAsciiLetterLower(c))
            {
                lower = true;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                upper = true;
            }
            else if (char.IsAsciiDigit(c))
            {
                digit = true;
            }
            else
            {
                symbol = true;
            }
        }

        return lower && upper && digit && symbol;
    }
}
