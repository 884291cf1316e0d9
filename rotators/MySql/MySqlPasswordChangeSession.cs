using EscRotators.Engines;
using EscRotators.Tls;
using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>The managing user's connection, with the rotated account claimed by GET_LOCK until disposal.</summary>
internal sealed class MySqlPasswordChangeSession : IPasswordChangeSession
{
    // The host part is a fixed literal; MariaDB and MySQL accept no whitespace around the '@'.
    private const string IdentifiedBySql = "ALTER USER @user@'%' IDENTIFIED BY @password";
    private const string NativeHashSql = "ALTER USER @user@'%' IDENTIFIED BY PASSWORD @password";

    private readonly MySqlConnection _connection;
    private readonly MySqlServerProfile _profile;
    private readonly DatabaseEndpoint _endpoint;
    private readonly string _username;
    private readonly string _who;
    private readonly ServerCertificateCheck _check;

    public MySqlPasswordChangeSession(
        MySqlConnection connection,
        MySqlServerProfile profile,
        DatabaseEndpoint endpoint,
        string username,
        string who,
        ServerCertificateCheck check)
    {
        _connection = connection;
        _profile = profile;
        _endpoint = endpoint;
        _username = username;
        _who = who;
        _check = check;
    }

    public async Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(newPassword);
        var nativeHash = _profile.StatementForm == PasswordStatementForm.NativePasswordHash;
        try
        {
            await using var alter = new MySqlCommand(nativeHash ? NativeHashSql : IdentifiedBySql, _connection);
            alter.Parameters.AddWithValue("@user", _username);
            alter.Parameters.AddWithValue("@password", nativeHash ? NativePasswordHash.Compute(newPassword) : newPassword);
            await alter.ExecuteNonQueryAsync(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MySqlException or IOException or TimeoutException)
        {
            throw MySqlErrorTranslator.Translate(ex, _endpoint, _who, _username, _check, statementHasSecret: true);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            throw ConnectionFailures.TimedOut(_endpoint, _who, connected: true, ex, passwordStatementSent: true);
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
