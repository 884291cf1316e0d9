using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// For <c>type: mysql</c> the <c>database</c> field is optional in both forms (empty or absent: no default database,
/// as Pulumi's Go lambda); PostgreSQL logs in to a database and keeps requiring it.
/// </summary>
[TestFixture]
public sealed class OptionalDatabaseTests
{
    private static readonly Action<JsonObject>[] WithoutDatabase =
    [
        o => o.Remove("database"),
        o => o["database"] = "",
        o => o["database"] = null,
    ];

    [TestCase(RotatorPath.InProcess, 0, Category = "MySql")]
    [TestCase(RotatorPath.InProcess, 1, Category = "MySql")]
    [TestCase(RotatorPath.Bootstrap, 2, Category = "MySql")]
    public async Task Mysql_form_A_without_a_database_rotates(RotatorPath path, int variant)
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.MariaDb);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var newPassword = Secrets.Plain();
        var evt = EventJson.FormA(db, manager, user.Name, user.Password, newPassword);
        WithoutDatabase[variant](evt);

        var result = await Rotator.RunAsync(evt, path);

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the rotated user logs in with newPassword");
    }

    [TestCase(RotatorPath.InProcess, 0, Category = "MySql")]
    [TestCase(RotatorPath.Bootstrap, 1, Category = "MySql")]
    public async Task Mysql_form_B_without_a_database_rotates(RotatorPath path, int variant)
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.MariaDb);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        var evt = EventJson.FormB(db, manager, user1.Name, user2.Name);
        WithoutDatabase[variant]((JsonObject)evt["inputs"]!["database"]!);

        var result = await Rotator.RunAsync(evt, path);

        Expect.Ok(result);
        var current = result.State!["current"]!;
        Assert.That(await db.CanLogInAsync((string)current["username"]!, (string)current["password"]!), Is.True, result.Describe());
    }

    [TestCase(Category = "Postgres")]
    public async Task Postgres_without_a_database_is_a_400_naming_the_field()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        var evt = EventJson.FormA(db, manager, user.Name, user.Password, Secrets.Plain());
        evt.Remove("database");

        var result = await Rotator.RunAsync(evt, RotatorPath.InProcess);

        Expect.BadRequest(result);
        Assert.That(result.Message, Is.EqualTo("database is required"));
        Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "nothing changed");
    }
}
