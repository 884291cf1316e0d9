using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// The check login authenticates with exactly the string the stored secret was computed from: no trimming, and on
/// PostgreSQL the SASLprep form that libpq and the server derive from the password.
/// </summary>
[TestFixture]
public sealed class ExactPasswordTests
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_new_password_ending_in_a_newline_is_set_and_verified_exactly(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var newPassword = Secrets.Plain() + "\n";

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await ExactLogin.CanLogInAsync(db, user.Name, newPassword), Is.True, "the exact password, newline included, logs in");
            Assert.That(await ExactLogin.CanLogInAsync(db, user.Name, newPassword.TrimEnd()), Is.False, "the trimmed one does not");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_managing_password_with_a_stray_newline_is_refused(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var wrong = new TestUser(manager.Name, manager.Password + "\n");

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, wrong, user.Name, user.Password, Secrets.Plain()));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("could not log in"), result.Describe());
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
        }
    }

    /// <summary>
    /// Characters SASLprep maps (C.1.2 non-ASCII spaces to U+0020, B.1 to nothing; U+200B is in both and PostgreSQL
    /// maps it to a space first). The rotation's own check login must pass, a client presenting the prepared form
    /// logs in, and the server computing the verifier itself from the same password agrees.
    /// </summary>
    [TestCase("\u00A0", " ")]
    [TestCase("\u2000", " ")]
    [TestCase("\u3000", " ")]
    [TestCase("\u00AD", "")]
    [TestCase("\uFEFF", "")]
    [TestCase("\u200B", " ")]
    [Category("Postgres")]
    public async Task Passwords_that_saslprep_maps_are_verified_with_the_prepared_form(string character, string mapped)
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        var user = await db.CreateUserAsync();
        var twin = await db.CreateUserAsync();
        var manager = await db.CreateManagingUserAsync([user]);
        var stem = Secrets.Plain();
        var newPassword = "é" + stem[..8] + character + stem[8..];
        var prepared = "é" + stem[..8] + mapped + stem[8..];

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await ExactLogin.CanLogInAsync(db, user.Name, prepared), Is.True, "a client that applies SASLprep (libpq) logs in");

        // The server's own SASLprep, on a verifier it computes from the plaintext (test-only: the statement holds it).
        var server = await PostgresServer.GetAsync();
        await using (var alter = server.Admin.CreateCommand(
            $"ALTER ROLE \"{twin.Name}\" PASSWORD '{newPassword}'"))
        {
            await alter.ExecuteNonQueryAsync();
        }

        Assert.That(await ExactLogin.CanLogInAsync(db, twin.Name, prepared), Is.True, "PostgreSQL prepares the password the same way");
    }
}
