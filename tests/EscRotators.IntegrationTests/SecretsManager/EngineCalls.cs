using EscRotators.Engines;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.MySql;
using EscRotators.Postgres;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>The engine calls the Secrets Manager handler makes, against a test database, as one helper each.</summary>
internal static class EngineCalls
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    public static IDatabaseEngine For(ITestDatabase db) => db.Engine == DbEngine.Postgres ? new PostgresEngine() : new MySqlEngine();

    /// <summary>The endpoint as the rotator builds it: TLS prefer trusting the test CA, logging in as <paramref name="login"/>.</summary>
    public static DatabaseEndpoint Endpoint(ITestDatabase db, TestUser login) =>
        new(db.Host, db.Port, db.Database, new Credential(login.Name, login.Password), TestRotatorDefaults.Options.DefaultTls, TimeSpan.FromSeconds(15));

    /// <summary>setSecret of the alternating users: begin, set the password, verify the login, release.</summary>
    public static async Task AlternateAsync(ITestDatabase db, TestUser manager, string username, string grantsFrom, string newPassword)
    {
        var engine = For(db);
        var endpoint = Endpoint(db, manager);
        using var deadline = new CancellationTokenSource(Deadline);
        await using var session = await engine.BeginAlternateAsync(endpoint, username, grantsFrom, deadline.Token);
        await session.SetPasswordAsync(newPassword, deadline.Token);
        await engine.VerifyLoginAsync(endpoint, new Credential(username, newPassword), deadline.Token);
    }

    /// <summary>setSecret of a single user: <paramref name="user"/> logs in and changes its own password, then the new one is verified.</summary>
    public static async Task OwnPasswordAsync(ITestDatabase db, TestUser user, string newPassword)
    {
        var engine = For(db);
        var endpoint = Endpoint(db, user);
        using var deadline = new CancellationTokenSource(Deadline);
        await using var session = await engine.BeginOwnPasswordChangeAsync(endpoint, deadline.Token);
        await session.SetPasswordAsync(newPassword, deadline.Token);
        await engine.VerifyLoginAsync(endpoint, new Credential(user.Name, newPassword), deadline.Token);
    }

    /// <summary>The failure of beginning an alternate session, which must be refused before anything is sent.</summary>
    public static async Task<RotationFailedException> AlternateRefusedAsync(ITestDatabase db, TestUser manager, string username, string grantsFrom)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var failure = Assert.ThrowsAsync<RotationFailedException>(async () =>
        {
            await using var session = await For(db).BeginAlternateAsync(Endpoint(db, manager), username, grantsFrom, deadline.Token);
            Assert.Fail("the alternate session was begun");
        });
        return failure!;
    }
}
