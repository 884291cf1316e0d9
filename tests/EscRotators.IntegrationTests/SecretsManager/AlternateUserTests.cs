using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using EscRotators.Engines;
using EscRotators.IntegrationTests.Engines;
using EscRotators.IntegrationTests.Infrastructure;
using Npgsql;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>
/// Secrets Manager's alternating users against the real servers: the clone ends up as AWS's multi-user rotation
/// leaves it (PostgreSQL: a LOGIN member of the current user; MariaDB: every grant and the TLS requirement of the
/// current user), a repeated call only changes what AWS's template changes, and the managing user or an
/// administrative account is refused before anything changes.
/// </summary>
[TestFixture]
public sealed partial class AlternateUserTests
{
    [Test]
    [Category("Postgres")]
    public async Task A_fresh_PostgreSQL_clone_logs_in_as_a_member_of_the_current_user_and_reads_what_it_reads()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var current = await db.CreateUserAsync();
        var outsider = await db.CreateUserAsync();
        var table = await db.CreateTableAsync();
        await db.GrantSelectAsync(table, current.Name);
        var manager = await db.CreateManagingUserAsync([current]);
        var clone = CloneOf(db, current);
        var newPassword = Secrets.Hostile();

        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, newPassword);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLoginAttributeAsync(clone), Is.True, "created WITH LOGIN");
            Assert.That(await db.IsDirectMemberAsync(current.Name, clone), Is.True, "GRANT <current> TO <clone>");
            Assert.That(await ExactLogin.CanLogInAsync(db, clone, newPassword), Is.True, "logs in with the new password");
            Assert.That(await PostgresReadsAsync(db, clone, newPassword, table), Is.True, "reads what the current user reads");
            Assert.That(await PostgresReadsAsync(db, outsider.Name, outsider.Password, table), Is.False, "the table is not readable without the grant");
            Assert.That(await db.CanLogInAsync(current.Name, current.Password), Is.True, "the current user is untouched");
        }
    }

    [Test]
    [Category("Postgres")]
    public async Task A_second_PostgreSQL_call_with_an_existing_clone_changes_only_its_password()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var current = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([current]);
        var clone = CloneOf(db, current);
        var first = Secrets.Plain();
        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, first);

        // As AWS's template, an existing clone keeps its memberships as they are: only ALTER ROLE ... PASSWORD runs.
        await db.RevokeRoleAsync(current.Name, clone);
        var second = Secrets.Hostile();
        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, second);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ExactLogin.CanLogInAsync(db, clone, second), Is.True, "the new password works");
            Assert.That(await ExactLogin.CanLogInAsync(db, clone, first), Is.False, "the previous one no longer does");
            Assert.That(await db.IsDirectMemberAsync(current.Name, clone), Is.False, "membership is not granted again");
            Assert.That(await db.CanLoginAttributeAsync(clone), Is.True);
        }
    }

    [Test]
    [Category("MySql")]
    public async Task A_fresh_MariaDB_clone_has_exactly_the_grants_and_TLS_requirement_of_the_current_user()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var current = await db.CreateUserAsync();
        var source = await MariaDbSourceAsync(db, current);
        var manager = await MariaDbManagerAsync(db, source);
        var clone = CloneOf(db, current);
        var newPassword = Secrets.Plain();
        var logStart = StatementLog.Start(db);

        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, newPassword);

        var expected = (await GrantsAsync(db, current.Name)).Select(g => g.Replace(Grantee(current.Name), Grantee(clone), StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await GrantsAsync(db, clone), Is.EquivalentTo(expected), "SHOW GRANTS of the clone is that of the current user, renamed");
            Assert.That(await SslTypeAsync(db, clone), Is.EqualTo("ANY").And.EqualTo(await SslTypeAsync(db, current.Name)), "REQUIRE SSL is copied");
            Assert.That(await db.CanLogInAsync(clone, newPassword), Is.True, "the clone logs in with the new password");
            Assert.That(await db.CanLogInAsync(current.Name, current.Password), Is.True, "the current user is untouched");
        }

        var written = await StatementLog.ReadSinceAsync(db, logStart);
        var grants = written.Split('\n').Where(l => l.Contains("GRANT", StringComparison.OrdinalIgnoreCase) && l.Contains(clone, StringComparison.Ordinal)).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(grants, Is.Not.Empty, "the copied grants are in the log being read");
            Assert.That(written, Does.Not.Contain(newPassword), "the plaintext password is in the general log");
            Assert.That(grants, Has.None.Contain(NativeHash(newPassword)).And.None.Contain("IDENTIFIED"), "a GRANT carries a password");
        }
    }

    [Test]
    [Category("MySql")]
    public async Task A_second_MariaDB_call_adds_the_grants_given_since_and_changes_the_password()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var current = await db.CreateUserAsync();
        var source = await MariaDbSourceAsync(db, current);
        var manager = await MariaDbManagerAsync(db, source);
        var clone = CloneOf(db, current);
        var first = Secrets.Plain();
        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, first);

        await db.ExecuteAsync($"GRANT INSERT ON {source.Database}.`t1` TO {MariaDbTestDatabase.Account(current.Name)}");
        var second = Secrets.Hostile();
        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, second);

        var expected = (await GrantsAsync(db, current.Name)).Select(g => g.Replace(Grantee(current.Name), Grantee(clone), StringComparison.Ordinal));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await GrantsAsync(db, clone), Is.EquivalentTo(expected), "the new grant is copied too");
            Assert.That(await GrantsAsync(db, clone), Has.Some.Contain("INSERT").And.Some.Contain("`t1`"));
            Assert.That(await db.CanLogInAsync(clone, second), Is.True, "the new password works");
            Assert.That(await db.CanLogInAsync(clone, first), Is.False, "the previous one no longer does");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_current_user_with_administrative_power_is_refused_before_any_change(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        TestUser current;
        string reason;
        if (db is PostgresTestDatabase pg)
        {
            (current, reason) = (await pg.CreateUserWithAttributesAsync("CREATEROLE"), "has CREATEROLE");
        }
        else
        {
            current = await db.CreateUserAsync();
            await ((MariaDbTestDatabase)db).ExecuteAsync($"GRANT CREATE USER ON *.* TO {MariaDbTestDatabase.Account(current.Name)}");
            reason = "CREATE USER ON *.*";
        }

        var manager = await db.CreateManagingUserAsync([current]);
        var clone = CloneOf(db, current);

        var failure = await EngineCalls.AlternateRefusedAsync(db, manager, clone, current.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.PrivilegedTarget));
            Assert.That(failure.Message, Does.Contain("refusing to give").And.Contain("holds administrative power").And.Contain(reason).And.Contain("Nothing was changed"));
            Assert.That(await ExistsAsync(db, clone), Is.False, "the clone was not created");
            Assert.That(await db.CanLogInAsync(current.Name, current.Password), Is.True);
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_managing_user_is_refused_as_the_clone_and_keeps_its_password(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var current = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([current]);

        var failure = await EngineCalls.AlternateRefusedAsync(db, manager, manager.Name, current.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.PrivilegedTarget));
            Assert.That(failure.Message, Does.Contain("it is the managing user").And.Contain("Nothing was changed"));
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
            Assert.That(await db.CanLogInAsync(current.Name, current.Password), Is.True);
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_managing_user_is_refused_as_the_user_whose_grants_are_copied(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var manager = await db.CreateManagingUserAsync([]);
        var clone = CloneOf(db, manager);

        var failure = await EngineCalls.AlternateRefusedAsync(db, manager, clone, manager.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.PrivilegedTarget));
            Assert.That(failure.Message, Does.Contain("refusing to give").And.Contain("is the managing user").And.Contain("Nothing was changed"));
            Assert.That(await ExistsAsync(db, clone), Is.False, "the clone was not created");
        }
    }

    [Test]
    [Category("Postgres")]
    public async Task A_role_the_managing_session_acts_as_is_refused_as_the_user_whose_grants_are_copied()
    {
        // By the server's name for the session's user, not the request's: the catalog check runs on the copied user too.
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var actingAs = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([actingAs]);
        await db.GrantRoleAsync(actingAs.Name, manager.Name);
        await db.SetSessionRoleAsync(manager, actingAs.Name);
        var clone = CloneOf(db, actingAs);

        var failure = await EngineCalls.AlternateRefusedAsync(db, manager, clone, actingAs.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.PrivilegedTarget));
            Assert.That(failure.Message, Does.Contain("is the managing user"));
            Assert.That(await ExistsAsync(db, clone), Is.False, "the clone was not created");
        }
    }

    /// <summary>The clone's name as AWS's templates derive it, dropped when the test ends.</summary>
    private static string CloneOf(ITestDatabase db, TestUser current)
    {
        var clone = current.Name + "_clone";
        if (db is PostgresTestDatabase pg)
        {
            pg.DropOnDispose(clone);
        }
        else
        {
            ((MariaDbTestDatabase)db).DropOnDispose(clone);
        }

        return clone;
    }

    private static async Task<bool> ExistsAsync(ITestDatabase db, string user) => db is PostgresTestDatabase pg
        ? await pg.CanLoginAttributeAsync(user) is not null
        : (await ((MariaDbTestDatabase)db).QueryAsync($"SELECT COUNT(*) FROM mysql.user WHERE User = {MariaDbTestDatabase.QuoteString(user)}")).Single() != "0";

    private static async Task<bool> PostgresReadsAsync(PostgresTestDatabase db, string user, string password, string table)
    {
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = db.Host, Port = db.Port, Database = db.Database, Username = user, Pooling = false, SslMode = SslMode.Prefer, Timeout = 10,
        };
        var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        builder.UsePasswordProvider(_ => password, (_, _) => ValueTask.FromResult(password));
        await using var source = builder.Build();
        await using var connection = await source.OpenConnectionAsync();
        await using var quote = new NpgsqlCommand("SELECT format('SELECT count(*) FROM public.%I', $1::text)", connection);
        quote.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var select = new NpgsqlCommand((string)(await quote.ExecuteScalarAsync())!, connection);
        try
        {
            return (long)(await select.ExecuteScalarAsync())! == 1;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return false;
        }
    }

    /// <summary>
    /// A current user holding every kind of grant SHOW GRANTS prints: a database grant WITH GRANT OPTION, a table and a
    /// column grant on a database whose name holds " TO ", backticks and the user's own quoted grantee, a role (its
    /// default role), REQUIRE SSL and a resource limit.
    /// </summary>
    private static async Task<MariaDbSource> MariaDbSourceAsync(MariaDbTestDatabase db, TestUser current)
    {
        var account = MariaDbTestDatabase.Account(current.Name);
        var database = await db.CreateDatabaseAsync($"x TO {Grantee(current.Name)} TO `b`");
        await db.ExecuteAsync($"CREATE TABLE {database}.`t1` (id INT, secret INT)");
        await db.ExecuteAsync($"CREATE TABLE {database}.`t2` (id INT, note INT)");
        var role = MariaDbTestDatabase.QuoteIdentifier(await db.CreateRoleAsync());
        var home = MariaDbTestDatabase.QuoteIdentifier(db.Database);
        await db.ExecuteAsync($"GRANT SELECT ON {database}.`t2` TO {role}");
        await db.ExecuteAsync($"GRANT {role} TO {account}");
        await db.ExecuteAsync($"SET DEFAULT ROLE {role} FOR {account}");
        await db.ExecuteAsync($"GRANT SELECT, INSERT ON {home}.* TO {account} WITH GRANT OPTION");
        await db.ExecuteAsync($"GRANT SELECT ON {database}.`t1` TO {account}");
        await db.ExecuteAsync($"GRANT SELECT (id), UPDATE (note) ON {database}.`t2` TO {account}");
        await db.ExecuteAsync($"ALTER USER {account} REQUIRE SSL WITH MAX_USER_CONNECTIONS 5");
        return new MariaDbSource(database, role);
    }

    /// <summary>
    /// The managing user with what copying needs on top of the least privilege: SELECT on mysql.* (SHOW GRANTS for
    /// others, the TLS columns), every copied privilege WITH GRANT OPTION, the role WITH ADMIN OPTION, and UPDATE on
    /// mysql.* for SET DEFAULT ROLE ... FOR.
    /// </summary>
    private static async Task<TestUser> MariaDbManagerAsync(MariaDbTestDatabase db, MariaDbSource source)
    {
        var manager = await db.CreateManagingUserAsync([]);
        var account = MariaDbTestDatabase.Account(manager.Name);
        await db.ExecuteAsync($"GRANT SELECT, UPDATE ON mysql.* TO {account}");
        await db.ExecuteAsync($"GRANT SELECT, INSERT ON {MariaDbTestDatabase.QuoteIdentifier(db.Database)}.* TO {account} WITH GRANT OPTION");
        await db.ExecuteAsync($"GRANT SELECT, INSERT, UPDATE ON {source.Database}.* TO {account} WITH GRANT OPTION");
        await db.ExecuteAsync($"GRANT {source.Role} TO {account} WITH ADMIN OPTION");
        return manager;
    }

    /// <summary>SHOW GRANTS for '<paramref name="user"/>'@'%', without the password hash (the part a clone must not share).</summary>
    private static async Task<List<string>> GrantsAsync(MariaDbTestDatabase db, string user) =>
        (await db.QueryAsync($"SHOW GRANTS FOR {MariaDbTestDatabase.Account(user)}"))
            .Select(g => PasswordPart().Replace(g!, ""))
            .ToList();

    private static async Task<string?> SslTypeAsync(MariaDbTestDatabase db, string user) =>
        (await db.QueryAsync($"SELECT ssl_type FROM mysql.user WHERE User = {MariaDbTestDatabase.QuoteString(user)} AND Host = '%'")).Single();

    /// <summary>The grantee as SHOW GRANTS prints it.</summary>
    private static string Grantee(string user) => MariaDbTestDatabase.QuoteIdentifier(user) + "@`%`";

    private static string NativeHash(string password) =>
        "*" + Convert.ToHexString(SHA1.HashData(SHA1.HashData(Encoding.UTF8.GetBytes(password))));

    [GeneratedRegex(" IDENTIFIED BY PASSWORD '[^']*'")]
    private static partial Regex PasswordPart();

    private sealed record MariaDbSource(string Database, string Role);
}
