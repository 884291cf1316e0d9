namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Opens the per-test database scope for an engine; dispose it to drop the logins the test created.</summary>
public static class TestDatabases
{
    public static async Task<ITestDatabase> OpenAsync(DbEngine engine) => engine switch
    {
        DbEngine.Postgres => new PostgresTestDatabase(await PostgresServer.GetAsync().ConfigureAwait(false)),
        DbEngine.MariaDb => new MariaDbTestDatabase(await MariaDbServer.GetAsync().ConfigureAwait(false)),
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };

    public static string TypeOf(DbEngine engine) => engine == DbEngine.Postgres ? "postgres" : "mysql";
}
