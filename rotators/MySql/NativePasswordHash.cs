using System.Security.Cryptography;
using System.Text;

namespace EscRotators.MySql;

/// <summary>The mysql_native_password account hash, <c>'*' + HEX(SHA1(SHA1(password)))</c>, as PASSWORD() computes it.</summary>
internal static class NativePasswordHash
{
    public static string Compute(string password)
    {
        var bytes = Encoding.UTF8.GetBytes(password);
        try
        {
            var inner = SHA1.HashData(bytes);
            var outer = SHA1.HashData(inner);
            CryptographicOperations.ZeroMemory(inner);
            return "*" + Convert.ToHexString(outer);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}

/// <summary>How <c>ALTER USER</c> carries the new password.</summary>
public enum PasswordStatementForm
{
    /// <summary>
    /// <c>IDENTIFIED BY '&lt;password&gt;'</c>: MySQL 5.7+ and Aurora rewrite it in the general, slow and binary logs,
    /// and hash it with the account's own plugin (caching_sha2_password on MySQL 8).
    /// </summary>
    IdentifiedBy,

    /// <summary>
    /// <c>IDENTIFIED BY PASSWORD '*&lt;SHA1(SHA1(password))&gt;'</c>: MariaDB logs statements verbatim, so only the
    /// mysql_native_password hash (MariaDB's default plugin) is sent.
    /// </summary>
    NativePasswordHash,
}
