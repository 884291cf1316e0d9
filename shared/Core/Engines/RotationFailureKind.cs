namespace EscRotators.Engines;

/// <summary>Why a rotation step failed; drives retries and the reply's wording.</summary>
public enum RotationFailureKind
{
    /// <summary>No connection could be made (refused, unreachable, DNS). Nothing was sent; safe to retry.</summary>
    Unreachable,

    /// <summary>The server did not answer in time.</summary>
    Timeout,

    /// <summary>TLS could not be established or the certificate check failed.</summary>
    Tls,

    /// <summary>The login was refused (wrong password, host not allowed).</summary>
    Authentication,

    /// <summary>The managing user lacks a privilege.</summary>
    Permission,

    /// <summary>The user to rotate does not exist.</summary>
    UnknownUser,

    /// <summary>The request cannot work against this server (bad name, unknown database).</summary>
    InvalidTarget,

    /// <summary>Another rotation of the same user is in progress.</summary>
    Conflict,

    /// <summary>
    /// The user to rotate is the managing user or holds administrative power: its new password would hand whoever
    /// reads the rotated credentials more than the rotated users were meant to have. Refused before any change.
    /// </summary>
    PrivilegedTarget,

    /// <summary>Any other server-side error.</summary>
    ServerError,
}
