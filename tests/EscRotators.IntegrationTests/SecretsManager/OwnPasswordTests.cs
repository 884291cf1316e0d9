using EscRotators.IntegrationTests.Engines;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>
/// Secrets Manager's single user against the real servers: a user with no privileges at all logs in and changes
/// its own password (as RDS master users are rotated), the old password stops working, and neither password
/// reaches the server's statement log.
/// </summary>
[TestFixture]
public sealed class OwnPasswordTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_user_without_privileges_changes_its_own_password_and_no_password_reaches_the_statement_log(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var start = StatementLog.Start(db);
        var user = await db.CreateUserAsync();

        // Alphanumeric: however the server escapes a statement, a password appears verbatim if it appears at all.
        var newPassword = Secrets.Plain();
        await EngineCalls.OwnPasswordAsync(db, user, newPassword);

        var written = await StatementLog.ReadSinceAsync(db, start);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ExactLogin.CanLogInAsync(db, user.Name, newPassword), Is.True, "the new password works");
            Assert.That(await ExactLogin.CanLogInAsync(db, user.Name, user.Password), Is.False, "the old password no longer does");
            Assert.That(written, Does.Contain(db.Engine == DbEngine.Postgres ? "ALTER ROLE CURRENT_USER" : "SET PASSWORD"), "the change is in the log being read");
            Assert.That(written, Does.Not.Contain(newPassword), "the new password is in the server's statement log");
            Assert.That(written, Does.Not.Contain(user.Password), "the old password is in the server's statement log");
        }
    }

    [Test]
    [Category("Postgres")]
    public async Task A_PostgreSQL_user_whose_sessions_start_as_another_role_changes_its_own_password_not_that_roles()
    {
        await using var db = (PostgresTestDatabase)await TestDatabases.OpenAsync(DbEngine.Postgres);
        var user = await db.CreateUserAsync();
        var actingAs = await db.CreateUserAsync();
        await db.GrantRoleAsync(actingAs.Name, user.Name);
        await db.SetSessionRoleAsync(user, actingAs.Name);
        var newPassword = Secrets.Hostile();

        await EngineCalls.OwnPasswordAsync(db, user, newPassword);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ExactLogin.CanLogInAsync(db, user.Name, newPassword), Is.True, "the login role's password changed");
            Assert.That(await ExactLogin.CanLogInAsync(db, actingAs.Name, actingAs.Password), Is.True, "the role its sessions act as keeps its password");
        }
    }
}
