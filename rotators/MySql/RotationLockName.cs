using System.Security.Cryptography;
using System.Text;

namespace EscRotators.MySql;

/// <summary>
/// The GET_LOCK name claiming one account for a rotation. Hashed, because lock names are limited to 64 characters
/// and user names may be longer or hold anything.
/// </summary>
internal static class RotationLockName
{
    public static string For(string username) =>
        "esc-rotator:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(username)))[..40];
}
