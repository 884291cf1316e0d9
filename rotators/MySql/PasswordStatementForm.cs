namespace EscRotators.MySql;

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
