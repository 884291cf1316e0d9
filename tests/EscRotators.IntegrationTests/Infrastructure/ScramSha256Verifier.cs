using System.Security.Cryptography;
using System.Text;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// Computes PostgreSQL SCRAM-SHA-256 verifiers (RFC 5802/7677) in the test process, independently of the product,
/// so set-up SQL never carries a plaintext password into the server's statement log. Only for passwords that
/// SASLprep leaves unchanged (ASCII and precomposed characters), which is all the fixtures use.
/// </summary>
internal static class ScramSha256Verifier
{
    private const int Iterations = 4096;

    public static string Create(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
