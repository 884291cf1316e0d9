using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// A rotation never hands out more privilege than the rotated users were meant to have: Forms A and B refuse to
/// rotate the managing user or an administrative account with a 400 naming the account and the reason, before any
/// change (every password still works), while ordinary users with ordinary grants still rotate. The adapter (Form C)
/// goes through the same engines: <see cref="Adapter.ExternalRotationTests"/>.
/// </summary>
[TestFixture]
public sealed class PrivilegedTargetTests
{
    public enum Form
    {
        A,
        B,
    }

    public enum PostgresPower
    {
        Superuser,
        CreateRole,
        Replication,
        BypassRls,
        AdminOption,
        MemberOfSuperuserRole,
        MemberOfServerProgramRole,
    }

    public enum MariaDbPower
    {
        AllPrivileges,
        Super,
        CreateUser,
        GrantOption,
        UpdateOnMysqlDatabase,
        UpdateOnGrantTable,
        RoleGrantingSuper,
    }

    [TestCase(DbEngine.Postgres, Form.A, Category = "Postgres")]
    [TestCase(DbEngine.Postgres, Form.B, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Form.A, Category = "MySql")]
    [TestCase(DbEngine.MariaDb, Form.B, Category = "MySql")]
    public async Task The_managing_user_is_refused_as_the_user_to_rotate_and_keeps_its_password(DbEngine engine, Form form)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (other, manager) = scenario;
        var newPassword = Secrets.Hostile();

        // Form B without state rotates username1.
        var result = await InProcessRotator.RunAsync(Event(db, manager, manager, other, form, newPassword));

        await ExpectRefusedAsync(db, result, manager, manager, other, newPassword, "it is the managing user");
    }

    [Test]
    [Category("Postgres")]
    public async Task A_role_the_managing_session_acts_as_is_refused_as_the_managing_user([Values] Form form)
    {
        // The server's idea of the session's user decides, not the name in the request: a managing role whose
        // sessions start as another role (ALTER ROLE ... SET role) runs with that role's identity.
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (actingAs, other, manager) = scenario;
        await db.GrantRoleAsync(actingAs.Name, manager.Name);
        await db.SetSessionRoleAsync(manager, actingAs.Name);
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(Event(db, manager, actingAs, other, form, newPassword));

        await ExpectRefusedAsync(db, result, actingAs, manager, other, newPassword, "it is the managing user");
    }

    [Test]
    [Category("Postgres")]
    public async Task An_administrative_PostgreSQL_role_is_refused_before_any_change([Values] PostgresPower power, [Values] Form form)
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var (target, reason) = await PostgresTargetAsync(db, power);

        await ExpectAdministrativeRefusedAsync(db, target, reason, form);
    }

    [Test]
    [Category("MySql")]
    public async Task An_administrative_MariaDB_account_is_refused_before_any_change([Values] MariaDbPower power, [Values] Form form)
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var (target, reason) = await MariaDbTargetAsync(db, power);

        await ExpectAdministrativeRefusedAsync(db, target, reason, form);
    }

    [Test]
    [Category("Postgres")]
    public async Task An_ordinary_PostgreSQL_role_in_an_ordinary_group_still_rotates([Values] Form form)
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var group = await db.CreateGroupAsync();
        var target = await db.CreateUserAsync();
        var other = await db.CreateUserAsync();
        await db.GrantRoleAsync(group, target.Name);
        await db.GrantRoleAsync(group, other.Name);
        var manager = await db.CreateManagingUserAsync([target, other]);

        await ExpectRotatedAsync(db, manager, target, other, form);
    }

    [Test]
    [Category("MySql")]
    public async Task An_ordinary_MariaDB_account_with_data_grants_and_an_ordinary_role_still_rotates([Values] Form form)
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var target = await db.CreateUserAsync();
        var other = await db.CreateUserAsync();
        var role = await db.CreateRoleAsync();
        var database = MariaDbTestDatabase.QuoteIdentifier(db.Database);
        await db.ExecuteAsync($"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER ON {database}.* TO {MariaDbTestDatabase.QuoteIdentifier(role)}");
        await db.ExecuteAsync($"GRANT {MariaDbTestDatabase.QuoteIdentifier(role)} TO {MariaDbTestDatabase.Account(target.Name)}");
        await db.ExecuteAsync($"GRANT SELECT, INSERT, UPDATE, DELETE ON {database}.* TO {MariaDbTestDatabase.Account(target.Name)}");
        var manager = await db.CreateManagingUserAsync([target, other]);

        await ExpectRotatedAsync(db, manager, target, other, form);
    }

    [Test]
    [Category("MySql")]
    public async Task A_MariaDB_managing_user_that_cannot_read_the_account_catalog_gets_a_400_naming_the_grants_and_changes_nothing()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var target = await db.CreateUserAsync();
        var other = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserWithoutCatalogReadAsync();
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(Event(db, manager, target, other, Form.A, newPassword));

        Expect.BadRequest(result);
        var grants = Regex.Matches(result.Message, @"GRANT SELECT \([^)]*\) ON mysql\.\w+ TO '[^']*'@'%';").Select(m => m.Value).ToList();
        var account = MariaDbTestDatabase.Account(manager.Name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("may not read the account catalog").And.Contain("Nothing was changed"));
            Assert.That(grants, Is.EquivalentTo(MySqlCatalogGrants.MariaDb(account).Select(g => g + ";")), "the reply names exactly the documented grants");
            Assert.That(result.Message, Does.Not.Contain("authentication_string").And.Not.Contain("Password"), "no grant exposes a password hash");
            Assert.That(await db.CanLogInAsync(target.Name, target.Password), Is.True, "the user to rotate keeps its password");
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
        }

        Expect.NoSecrets(result, manager.Password, target.Password, newPassword);

        // The grants the reply names are enough: run them, and the same rotation succeeds.
        foreach (var grant in grants)
        {
            await db.ExecuteAsync(grant);
        }

        Expect.Ok(await InProcessRotator.RunAsync(Event(db, manager, target, other, Form.A, newPassword)));
        Assert.That(await db.CanLogInAsync(target.Name, newPassword), Is.True, "rotated once the grants were added");
    }

    /// <summary>The event of <paramref name="form"/> that rotates <paramref name="target"/> (Form B: as username1, without state).</summary>
    internal static JsonObject Event(ITestDatabase db, TestUser manager, TestUser target, TestUser other, Form form, string newPassword) => form == Form.A
        ? EventJson.FormA(db, manager, target.Name, target.Password, newPassword)
        : EventJson.FormB(db, manager, target.Name, other.Name);

    /// <summary>An administrative PostgreSQL role of the given kind, and what the refusal must name.</summary>
    internal static async Task<(TestUser Target, string Reason)> PostgresTargetAsync(PostgresTestDatabase db, PostgresPower power)
    {
        switch (power)
        {
            case PostgresPower.Superuser:
                return (await db.CreateUserWithAttributesAsync("SUPERUSER"), "has SUPERUSER");
            case PostgresPower.CreateRole:
                return (await db.CreateUserWithAttributesAsync("CREATEROLE"), "has CREATEROLE");
            case PostgresPower.Replication:
                return (await db.CreateUserWithAttributesAsync("REPLICATION"), "has REPLICATION");
            case PostgresPower.BypassRls:
                return (await db.CreateUserWithAttributesAsync("BYPASSRLS"), "has BYPASSRLS");
            case PostgresPower.AdminOption:
            {
                var user = await db.CreateUserAsync();
                var group = await db.CreateGroupAsync();
                await db.GrantRoleAsync(group, user.Name, adminOption: true);
                return (user, $"has ADMIN OPTION on {group}");
            }

            case PostgresPower.MemberOfSuperuserRole:
            {
                var user = await db.CreateUserAsync();
                var group = await db.CreateGroupAsync("SUPERUSER");
                await db.GrantRoleAsync(group, user.Name);
                return (user, $"it is a member of role \"{group}\", which has SUPERUSER");
            }

            default:
            {
                var user = await db.CreateUserAsync();
                await db.GrantRoleAsync("pg_execute_server_program", user.Name);
                return (user, "it is a member of role \"pg_execute_server_program\", which is superuser-equivalent");
            }
        }
    }

    /// <summary>An administrative MariaDB account of the given kind, and what the refusal must name.</summary>
    internal static async Task<(TestUser Target, string Reason)> MariaDbTargetAsync(MariaDbTestDatabase db, MariaDbPower power)
    {
        var user = await db.CreateUserAsync();
        var account = MariaDbTestDatabase.Account(user.Name);
        switch (power)
        {
            case MariaDbPower.AllPrivileges:
                await db.ExecuteAsync($"GRANT ALL PRIVILEGES ON *.* TO {account}");
                return (user, "holds SUPER, CREATE USER, FILE, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER ON *.*");
            case MariaDbPower.Super:
                await db.ExecuteAsync($"GRANT SUPER ON *.* TO {account}");
                return (user, "holds SUPER ON *.*");
            case MariaDbPower.CreateUser:
                await db.ExecuteAsync($"GRANT CREATE USER ON *.* TO {account}");
                return (user, "holds CREATE USER ON *.*");
            case MariaDbPower.GrantOption:
                await db.ExecuteAsync($"GRANT USAGE ON *.* TO {account} WITH GRANT OPTION");
                return (user, "holds GRANT OPTION ON *.*");
            case MariaDbPower.UpdateOnMysqlDatabase:
                await db.ExecuteAsync($"GRANT SELECT, UPDATE ON mysql.* TO {account}");
                return (user, "holds UPDATE ON `mysql`.* (which covers `mysql`)");
            case MariaDbPower.UpdateOnGrantTable:
                await db.ExecuteAsync($"GRANT SELECT, UPDATE ON mysql.global_priv TO {account}");
                return (user, "holds UPDATE ON `mysql`.`global_priv`");
            default:
            {
                // Two levels: the account holds a role that holds the role with SUPER.
                var inner = await db.CreateRoleAsync();
                var outer = await db.CreateRoleAsync();
                await db.ExecuteAsync($"GRANT SUPER ON *.* TO {MariaDbTestDatabase.QuoteIdentifier(inner)}");
                await db.ExecuteAsync($"GRANT {MariaDbTestDatabase.QuoteIdentifier(inner)} TO {MariaDbTestDatabase.QuoteIdentifier(outer)}");
                await db.ExecuteAsync($"GRANT {MariaDbTestDatabase.QuoteIdentifier(outer)} TO {account}");
                return (user, $"it was granted role '{inner}', which holds SUPER ON *.*");
            }
        }
    }

    /// <summary>
    /// A refusal that names <paramref name="target"/> and every one of <paramref name="reasons"/>, returns no state,
    /// holds no password, and changed nothing: all three logins keep their passwords.
    /// </summary>
    internal static async Task ExpectRefusedAsync(
        ITestDatabase db, RotatorRun result, TestUser target, TestUser manager, TestUser other, string newPassword, params string[] reasons)
    {
        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.StartWith("refusing to rotate").And.Contain(target.Name).And.Contain("Nothing was changed"), result.Describe());
            foreach (var reason in reasons)
            {
                Assert.That(result.Message, Does.Contain(reason), result.Describe());
            }

            Assert.That(await db.CanLogInAsync(target.Name, target.Password), Is.True, "the user to rotate keeps its password");
            Assert.That(await db.CanLogInAsync(target.Name, newPassword), Is.False, "the new password was never set");
            Assert.That(await db.CanLogInAsync(manager.Name, manager.Password), Is.True, "the managing user keeps its password");
            Assert.That(await db.CanLogInAsync(other.Name, other.Password), Is.True, "the other user keeps its password");
            Assert.That(result.Log, Does.Contain("failure=PrivilegedTarget"), "the log names the kind of failure");
        }

        Expect.NoSecrets(result, manager.Password, target.Password, other.Password, newPassword);
    }

    // Rotating the administrative target (with an ordinary second user and the least-privilege manager) is refused.
    private static async Task ExpectAdministrativeRefusedAsync(ITestDatabase db, TestUser target, string reason, Form form)
    {
        var other = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([target, other]);
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(Event(db, manager, target, other, form, newPassword));

        await ExpectRefusedAsync(db, result, target, manager, other, newPassword, "administrative power", reason);
    }

    private static async Task ExpectRotatedAsync(ITestDatabase db, TestUser manager, TestUser target, TestUser other, Form form)
    {
        var newPassword = Secrets.Hostile();
        var result = await InProcessRotator.RunAsync(Event(db, manager, target, other, form, newPassword));

        Expect.Ok(result);
        var password = form == Form.A ? newPassword : (string?)result.Current?["password"];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLogInAsync(target.Name, password!), Is.True, "the ordinary user rotated");
            Assert.That(await db.CanLogInAsync(target.Name, target.Password), Is.False, "its old password no longer works");
        }
    }
}
