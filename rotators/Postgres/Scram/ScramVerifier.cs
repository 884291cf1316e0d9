using System.Security.Cryptography;
using System.Text;

namespace EscRotators.Postgres.Scram;

/// <summary>
/// Builds the SCRAM-SHA-256 secret PostgreSQL stores in <c>pg_authid.rolpassword</c>
/// (<c>SCRAM-SHA-256$&lt;iterations&gt;:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c>, as scram-common.c
/// writes it). Sending this instead of the password keeps the plaintext off the wire and out of server logs;
/// PostgreSQL stores a verifier as is whatever <c>password_encryption</c> says.
/// </summary>
internal static class ScramVerifier
{
    public const int DefaultIterations = 4096;
    private const int SaltLength = 16;
    private const int KeyLength = 32;

    /// <summary>The verifier for <paramref name="password"/>; null when SASLprep would need NFKC (see <see cref="SaslPrep"/>).</summary>
    public static string? Create(string password, int iterations = DefaultIterations, byte[]? salt = null)
    {
        if (!SaslPrep.TryPrepare(password, out var prepared))
        {
            return null;
        }

        salt ??= RandomNumberGenerator.GetBytes(SaltLength);
        var salted = Rfc2898DeriveBytes.Pbkdf2(prepared, salt, iterations, HashAlgorithmName.SHA256, KeyLength);
        try
        {
            var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
            var storedKey = SHA256.HashData(clientKey);
            var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
            return new StringBuilder(140)
                .Append("SCRAM-SHA-256$").Append(iterations).Append(':')
                .Append(Convert.ToBase64String(salt)).Append('$')
                .Append(Convert.ToBase64String(storedKey)).Append(':')
                .Append(Convert.ToBase64String(serverKey))
                .ToString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
            CryptographicOperations.ZeroMemory(prepared);
        }
    }
}
