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
