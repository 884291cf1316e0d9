using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>
/// The rotation sequence every engine shares, written once: connect (abandoning the driver when the deadline fires),
/// claim the user, refuse a user whose password would hand out administrative power, set the password, verify a
/// login, close without ever blocking or throwing, and translate every failure in one order (our certificate check,
/// the engine's own errors, the network, then anything else as a 400 naming the endpoint). An engine supplies only
/// its SQL, its driver and its error translation.
/// </summary>
/// <typeparam name="TClaim">What the engine learns while claiming the user and needs to set the password.</typeparam>
public abstract class DatabaseEngine<TClaim> : IDatabaseEngine
{
    // Why a privileged target is refused, in every such message: the rotated credentials are often readable by more
    // people than the managing credentials.
    private const string HandsOutPassword =
        "The rotator hands the rotated user's new password to whoever may read the rotated credentials, so it rotates only ordinary users.";

    // Enough to act on; an account that is a member of many administrative roles would otherwise flood the reply.
    private const int MaxReasonsShown = 5;

    private readonly SystemTrustStore? _systemTrust;

    /// <param name="systemTrust">Platform roots for verify modes without a CA bundle; null uses the process default store.</param>
    protected DatabaseEngine(SystemTrustStore? systemTrust)
    {
        _systemTrust = systemTrust;
    }

    public abstract string Type { get; }

    /// <summary>The product's name in messages, e.g. <c>PostgreSQL</c>.</summary>
    protected abstract string Product { get; }

    /// <summary>The password statement by name, e.g. <c>ALTER ROLE</c>.</summary>
    protected abstract string PasswordStatement { get; }

    /// <summary>A user name quoted for display in messages (never for SQL).</summary>
    protected abstract string DisplayUser(string username);

    /// <summary>Refuses a user name the server would mangle, before anything is sent.</summary>
    protected virtual void CheckUsername(string username)
    {
    }

    /// <summary>
    /// The password to log in with after setting <paramref name="newPassword"/>: exactly the string the stored
    /// secret was computed from.
    /// </summary>
    protected virtual string LoginPassword(string newPassword) => newPassword;

    /// <summary>
    /// An open connection (<see cref="DriverConnection.OpenAsync"/>); <paramref name="database"/> false for the check
    /// login, which needs none.
    /// </summary>
    protected abstract Task<DriverConnection> OpenConnectionAsync(
        DatabaseEndpoint endpoint,
        Credential login,
        bool database,
        ServerCertificateCheck check,
        CancellationToken cancellationToken);

    /// <summary>Claims <paramref name="username"/> for this session; throws a <see cref="RotationFailureKind.Conflict"/> failure when taken.</summary>
    protected abstract Task<TClaim> ClaimAsync(DriverConnection connection, FailureContext context, string username, CancellationToken cancellationToken);

    /// <summary>
    /// Reads, before anything changes, whether the claimed user is the managing user itself as the server names the
    /// session's user, or holds administrative power, directly or through the roles it may assume; the template refuses
    /// both. When the managing user may not read what decides this, it fails closed with a
    /// <see cref="RotationFailureKind.Permission"/> failure naming the grants to add.
    /// </summary>
    protected abstract Task<TargetVerdict> ReadTargetAsync(DriverConnection connection, TClaim claim, FailureContext context, CancellationToken cancellationToken);

    /// <summary>Sets the password; calls <paramref name="sending"/> just before the statement that changes it goes out.</summary>
    protected abstract Task SetPasswordAsync(
        DriverConnection connection,
        TClaim claim,
        FailureContext context,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken);

    /// <summary>
    /// Releases the claim on <paramref name="username"/>. Closing the connection releases it too, but only once the
    /// server has finished ending the session, which can be after we reply: the next rotation of the same user would
    /// then meet a claim nobody holds any more.
    /// </summary>
    protected abstract Task ReleaseAsync(DriverConnection connection, string username, CancellationToken cancellationToken);

    /// <summary>The engine's own errors (server error codes, driver texts it knows); null for anything else.</summary>
    protected abstract RotationFailedException? Translate(Exception exception, FailureContext context);

    /// <summary>True when <paramref name="exception"/> is the server's answer to a statement (so it did not run).</summary>
    protected abstract bool IsServerAnswer(Exception exception);

    public async Task<IPasswordChangeSession> BeginAsync(DatabaseEndpoint endpoint, string username, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(username);
        CheckUsername(username);

        var context = Context(endpoint, $"the managing user {DisplayUser(endpoint.ManagingUser.Username)}", username);
        if (string.Equals(username, endpoint.ManagingUser.Username, StringComparison.Ordinal))
        {
            throw ManagingUserRefused(context);
        }

        DriverConnection? connection = null;
        try
        {
            connection = await OpenConnectionAsync(endpoint, endpoint.ManagingUser, database: true, context.Check, cancellationToken).ConfigureAwait(false);
            context = context with { Step = DatabaseStep.Claiming };
            var claim = await ClaimAsync(connection, context, username, cancellationToken).ConfigureAwait(false);
            context = context with { Step = DatabaseStep.CheckingTarget };
            var target = await ReadTargetAsync(connection, claim, context, cancellationToken).ConfigureAwait(false);
            if (target.IsManagingUser)
            {
                throw ManagingUserRefused(context);
            }

            if (target.Reasons.Count > 0)
            {
                throw AdministrativeRefused(context, target.Reasons);
            }

            var session = new Session(this, connection, claim, context with { Step = DatabaseStep.PreparingPassword });
            connection = null;
            return session;
        }
        catch (Exception ex)
        {
            throw Failure(ex, context);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public async Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(login);

        var context = Context(endpoint, $"the rotated user {DisplayUser(login.Username)}", login.Username);
        DriverConnection? connection = null;
        try
        {
            var exact = new Credential(login.Username, LoginPassword(login.Password));
            connection = await OpenConnectionAsync(endpoint, exact, database: false, context.Check, cancellationToken).ConfigureAwait(false);
            context = context with { Step = DatabaseStep.Verifying };
            await connection.RunAsync(
                static async (db, token) =>
                {
                    await using var select = db.CreateCommand();
                    select.CommandText = "SELECT 1";
                    return await select.ExecuteScalarAsync(token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Failure(ex, context);
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The refusal of the managing user as the user to rotate.</summary>
    private RotationFailedException ManagingUserRefused(FailureContext context) =>
        new RotationFailedException(
            RotationFailureKind.PrivilegedTarget,
            $"refusing to rotate {DisplayUser(context.RotatedUser!)} on {context.Address}: it is the managing user this rotation logs in as. " +
            $"{HandsOutPassword} Nothing was changed: rotate two ordinary users, and keep the managing user's credentials out of the rotated ones");

    /// <summary>The refusal of an administrative account as the user to rotate, with what makes it one.</summary>
    /// <param name="reasons">What the account holds, each in the server's terms (e.g. <c>role "ops" has SUPERUSER</c>).</param>
    private RotationFailedException AdministrativeRefused(FailureContext context, IReadOnlyList<string> reasons)
    {
        var shown = string.Join("; ", reasons.Take(MaxReasonsShown));
        var more = reasons.Count > MaxReasonsShown ? $"; and {reasons.Count - MaxReasonsShown} more" : "";
        return new RotationFailedException(
            RotationFailureKind.PrivilegedTarget,
            $"refusing to rotate {DisplayUser(context.RotatedUser!)} on {context.Address}: it holds administrative power ({shown}{more}). " +
            $"{HandsOutPassword} Nothing was changed: rotate users without administrative privileges (revoke them, or choose other users)");
    }

    private FailureContext Context(DatabaseEndpoint endpoint, string who, string rotatedUser) =>
        new(endpoint, who, new ServerCertificateCheck(endpoint.Tls, endpoint.Host, _systemTrust), rotatedUser, DatabaseStep.Connecting)
        {
            PasswordStatement = PasswordStatement,
        };

    /// <summary>Every failure in one order; after the password statement went out, anything but the server's answer leaves the outcome unknown.</summary>
    private RotationFailedException Failure(Exception exception, FailureContext context)
    {
        var failure = exception switch
        {
            RotationFailedException known => known,
            OperationCanceledException => ConnectionFailures.TimedOut(context, exception),
            _ => ConnectionFailures.FromCertificateCheck(context.Check, context.Endpoint, exception)
                ?? Translate(exception, context)
                ?? ConnectionFailures.FromNetwork(exception, context)
                ?? ConnectionFailures.Unexpected(Product, exception, context),
        };
        return context.PasswordStatementSent && exception is not RotationFailedException && !IsServerAnswer(exception)
            ? failure.AsOutcomeUnknown()
            : failure;
    }

    /// <summary>The managing user's open connection with the user claimed; disposing it releases the claim.</summary>
    private sealed class Session : IPasswordChangeSession
    {
        // One round trip on a healthy connection; a server gone silent must not hold up the reply.
        private static readonly TimeSpan ReleaseBound = TimeSpan.FromMilliseconds(200);

        private readonly DatabaseEngine<TClaim> _engine;
        private readonly DriverConnection _connection;
        private readonly TClaim _claim;
        private readonly FailureContext _context;

        public Session(DatabaseEngine<TClaim> engine, DriverConnection connection, TClaim claim, FailureContext context)
        {
            _engine = engine;
            _connection = connection;
            _claim = claim;
            _context = context;
        }

        public async Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(newPassword);
            var context = _context;
            try
            {
                await _engine.SetPasswordAsync(
                    _connection,
                    _claim,
                    _context,
                    newPassword,
                    () => context = _context with { Step = DatabaseStep.PasswordSent },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw _engine.Failure(ex, context);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection.IsUsable && _context.RotatedUser is { } username)
            {
                using var bound = new CancellationTokenSource(ReleaseBound);
                try
                {
                    await _engine.ReleaseAsync(_connection, username, bound.Token).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // Best effort: closing the connection releases the claim anyway.
                catch (Exception)
                {
                }
#pragma warning restore CA1031
            }

            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
