namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// One test's view of a database server: creates uniquely named logins through the admin login, checks logins the
/// way a client would, and drops everything it created when disposed.
/// </summary>
public interface ITestDatabase : IAsyncDisposable
{
    DbEngine Engine { get; }

    /// <summary>The event <c>type</c>: <c>postgres</c> or <c>mysql</c>.</summary>
    string Type { get; }

    string Host { get; }

    int Port { get; }

    string Database { get; }

    /// <summary>TLS is on and its certificate comes from ESC_TEST_TLS_CA.</summary>
    bool Tls { get; }

    /// <summary>The server's statement log file, when known.</summary>
    string? StatementLog { get; }

    /// <summary>What a 400 for a managing user without the password-changing grant must name.</summary>
    IReadOnlyList<string> MissingGrantAdvice { get; }

    /// <summary>Creates a login (PostgreSQL: a role WITH LOGIN; MySQL: '<c>name</c>'@'%').</summary>
    Task<TestUser> CreateUserAsync(string? name = null, string? password = null);

    /// <summary>Creates a managing user with exactly the least privilege docs/protocol.md names, for <paramref name="rotatable"/>.</summary>
    Task<TestUser> CreateManagingUserAsync(IEnumerable<TestUser> rotatable, string? name = null, string? password = null);

    /// <summary>
    /// Creates a managing user that can log in but lacks the grant to change <paramref name="rotatable"/>'s passwords
    /// (MySQL: no CREATE USER; PostgreSQL 16+: CREATEROLE without ADMIN OPTION; PostgreSQL 15 and older: ADMIN OPTION without CREATEROLE).
    /// </summary>
    Task<TestUser> CreateManagingUserWithoutGrantAsync(IEnumerable<TestUser> rotatable);

    /// <summary>Drops the login <paramref name="name"/>, which the code under test created, with the rest at the end.</summary>
    void DropAtEnd(string name);

    /// <summary>Opens a real, unpooled connection as <paramref name="user"/> and runs SELECT 1; false when the login is refused.</summary>
    Task<bool> CanLogInAsync(string user, string password);

    /// <summary>How many server sessions are logged in as any of <paramref name="users"/> right now.</summary>
    Task<int> CountSessionsAsync(params string[] users);

    /// <summary>Runs a statement holding <paramref name="marker"/> as the admin, so it shows up in the statement log.</summary>
    Task LogMarkerAsync(string marker);
}
