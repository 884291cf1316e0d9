using EscRotators.Engines;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>
/// How an alternate-user session fails when something it needs is missing: the kind the handler acts on, a message
/// naming what to grant or fix, and the database left as the message says.
/// </summary>
[TestFixture]
public sealed class AlternateUserFailureTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_current_user_that_does_not_exist_is_an_unknown_user_and_no_clone_is_created(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var manager = await db.CreateManagingUserAsync([]);
        if (db is MariaDbTestDatabase mariaDb)
        {
            await mariaDb.ExecuteAsync($"GRANT SELECT ON mysql.* TO {MariaDbTestDatabase.Account(manager.Name)}");
        }

        var missing = Secrets.UniqueName("_gone");
        var clone = EngineCalls.CloneOf(db, missing);

        var failure = await SetPasswordFailureAsync(db, manager, clone, missing);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.UnknownUser), failure.Message);
            Assert.That(failure.Message, Does.Contain(missing).And.Contain("does not exist").And.Contain("nothing was changed"));
            Assert.That(await EngineCalls.ExistsAsync(db, clone), Is.False);
        }
    }

    [Test]
    [Category("MySql")]
    public async Task A_MariaDB_managing_user_that_cannot_read_other_accounts_grants_gets_the_grant_to_add_and_nothing_changes()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var current = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([]);
        var clone = EngineCalls.CloneOf(db, current.Name);

        var failure = await SetPasswordFailureAsync(db, manager, clone, current.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.Permission), failure.Message);
            Assert.That(failure.Message, Does.Contain($"GRANT SELECT ON mysql.* TO {MariaDbTestDatabase.Account(manager.Name)};").And.Contain("nothing was changed"));
            Assert.That(failure.OutcomeUnknown, Is.False);
            Assert.That(await EngineCalls.ExistsAsync(db, clone), Is.False);
        }
    }

    [Test]
    [Category("MySql")]
    public async Task A_MariaDB_grant_the_managing_user_may_not_give_is_a_permission_failure_and_an_existing_clone_keeps_its_password()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var current = await db.CreateUserAsync();
        var account = MariaDbTestDatabase.Account(current.Name);
        var home = MariaDbTestDatabase.QuoteIdentifier(db.Database);
        await db.ExecuteAsync($"GRANT SELECT ON {home}.* TO {account}");
        var manager = await db.CreateManagingUserAsync([]);
        await db.ExecuteAsync($"GRANT SELECT ON mysql.* TO {MariaDbTestDatabase.Account(manager.Name)}");
        await db.ExecuteAsync($"GRANT SELECT ON {home}.* TO {MariaDbTestDatabase.Account(manager.Name)} WITH GRANT OPTION");
        var clone = EngineCalls.CloneOf(db, current.Name);
        var first = Secrets.Plain();
        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, first);

        // The managing user holds DELETE on no database, so it cannot pass this one on.
        await db.ExecuteAsync($"GRANT DELETE ON {home}.* TO {account}");
        var failure = await SetPasswordFailureAsync(db, manager, clone, current.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.Permission), failure.Message);
            Assert.That(failure.Message, Does.Contain("could not give").And.Contain("its password is unchanged").And.Contain("WITH GRANT OPTION"));
            Assert.That(failure.OutcomeUnknown, Is.False, "the server answered");
            Assert.That(await db.CanLogInAsync(clone, first), Is.True, "the clone keeps its password");
        }
    }

    [Test]
    [Category("Postgres")]
    public async Task A_PostgreSQL_managing_user_that_may_not_create_roles_gets_the_grants_to_add_and_nothing_changes()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var current = await db.CreateUserAsync();

        // ADMIN OPTION on the current user, no CREATEROLE.
        var manager = await db.CreateUserAsync();
        await db.GrantRoleAsync(current.Name, manager.Name, adminOption: true);
        var clone = EngineCalls.CloneOf(db, current.Name);

        var failure = await SetPasswordFailureAsync(db, manager, clone, current.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.Permission), failure.Message);
            Assert.That(failure.Message, Does.Contain("may not create role").And.Contain("Nothing was changed").And.Contain("CREATEROLE"));
            Assert.That(failure.OutcomeUnknown, Is.False);
            Assert.That(await EngineCalls.ExistsAsync(db, clone), Is.False, "the batch rolled back as a whole");
        }
    }

    [Test]
    [Category("Postgres")]
    public async Task A_PostgreSQL_clone_locked_by_another_session_times_out_at_the_deadline_with_the_outcome_unknown()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var current = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([current]);
        var clone = EngineCalls.CloneOf(db, current.Name);
        await EngineCalls.AlternateAsync(db, manager, clone, current.Name, Secrets.Plain());

        // Another session changed the clone and has not committed: its row lock makes our ALTER ROLE wait.
        var server = await PostgresServer.GetAsync();
        await using var blocker = await server.Admin.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var alter = new Npgsql.NpgsqlCommand($"ALTER ROLE \"{clone}\" CONNECTION LIMIT 5", blocker, transaction))
        {
            await alter.ExecuteNonQueryAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var started = DateTime.UtcNow;
        var failure = Assert.ThrowsAsync<RotationFailedException>(async () =>
        {
            await using var session = await EngineCalls.For(db).BeginAlternateAsync(EngineCalls.Endpoint(db, manager), clone, current.Name, deadline.Token);
            await session.SetPasswordAsync(Secrets.Plain(), deadline.Token);
        })!;
        var elapsed = DateTime.UtcNow - started;
        await transaction.RollbackAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure.Kind, Is.EqualTo(RotationFailureKind.Timeout), failure.Message);
            Assert.That(failure.OutcomeUnknown, Is.True);
            Assert.That(failure.Message, Does.Contain("CREATE ROLE and GRANT, or ALTER ROLE").And.Contain("lock"));
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "the driver is abandoned at the deadline");
        }
    }

    private static async Task<RotationFailedException> SetPasswordFailureAsync(ITestDatabase db, TestUser manager, string username, string grantsFrom)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var session = await EngineCalls.For(db).BeginAlternateAsync(EngineCalls.Endpoint(db, manager), username, grantsFrom, deadline.Token);
        return Assert.ThrowsAsync<RotationFailedException>(() => session.SetPasswordAsync(Secrets.Plain(), deadline.Token))!;
    }
}
