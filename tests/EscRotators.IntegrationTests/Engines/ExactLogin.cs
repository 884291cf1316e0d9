using EscRotators.IntegrationTests.Infrastructure;
using MySqlConnector;
using Npgsql;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// Logs in with exactly the given password string, as psql or the mariadb client would: handed to the driver
/// directly, never through a connection string (whose round trip trims surrounding white space).
/// </summary>
internal static class ExactLogin
{
    public static async Task<bool> CanLogInAsync(ITestDatabase db, string user, string password)
    {
        try
        {
            if (db.Engine == DbEngine.Postgres)
            {
                var settings = new NpgsqlConnectionStringBuilder
                {
                    Host = db.Host, Port = db.Port, Database = db.Database, Username = user, Pooling = false, SslMode = SslMode.Prefer, Timeout = 10,
                };
                var builder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
                builder.UsePasswordProvider(_ => password, (_, _) => ValueTask.FromResult(password));
                await using var source = builder.Build();
                await using var connection = await source.OpenConnectionAsync();
                await using var select = new NpgsqlCommand("SELECT 1", connection);
                await select.ExecuteScalarAsync();
            }
            else
            {
                var settings = new MySqlConnectionStringBuilder
                {
                    Server = db.Host, Port = (uint)db.Port, UserID = user, Pooling = false, SslMode = MySqlSslMode.Preferred, ConnectionTimeout = 10,
                };
                await using var connection = new MySqlConnection(settings.ConnectionString) { ProvidePasswordCallback = _ => password };
                await connection.OpenAsync();
                await using var select = new MySqlCommand("SELECT 1", connection);
                await select.ExecuteScalarAsync();
            }

            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            return false;
        }
        catch (MySqlException ex) when (ex.ErrorCode == MySqlErrorCode.AccessDenied)
        {
            return false;
        }
    }
}
