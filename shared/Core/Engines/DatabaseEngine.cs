using EscRotators.Tls;

namespace EscRotators.Engines;

/// <summary>
/// The rotation sequence every engine shares, written once: connect (abandoning the driver when the deadline fires),
/// claim the user, refuse a user whose password would hand out administrative power, set the password, verify a
/// login, close without ever blocking or throwing, and translate every failure in one order (our certificate check,
/// the engine's own errors, the network, then anything else as a 400 naming the endpoint). The Secrets Manager
/// sessions (an alternate user receiving another's grants, a user changing its own password) run the same sequence.
/// An engine supplies only its SQL, its driver and its error translation.
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
    /// login and for a user changing its own password, which need none.
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
    /// For an alternate session: creates the claimed user when it does not exist, gives it what
    /// <paramref name="grantsFrom"/> holds as the engine's AWS multi-user rotation does, and sets its password; calls
    /// <paramref name="sending"/> just before the first statement that may change the account goes out.
    /// </summary>
    protected abstract Task SetAlternatePasswordAsync(
        DriverConnection connection,
        TClaim claim,
        FailureContext context,
        string grantsFrom,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken);

    /// <summary>Changes the session user's own password; calls <paramref name="sending"/> just before the statement goes out.</summary>
    protected abstract Task SetOwnPasswordAsync(
        DriverConnection connection,
        TClaim claim,
        FailureContext context,
        string newPassword,
        Action sending,
        CancellationToken cancellationToken);

    /// <summary>The statements an alternate session may send, by name for messages (e.g. <c>CREATE ROLE or ALTER ROLE</c>).</summary>
    protected virtual string AlternateStatements => PasswordStatement;

    /// <summary>The statement that changes the session user's own password, by name for messages.</summary>
    protected virtual string OwnPasswordStatement => PasswordStatement;

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
        return await OpenSessionAsync(endpoint, new Plan(Change.Password, username, GrantsFrom: null), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IPasswordChangeSession> BeginAlternateAsync(DatabaseEndpoint endpoint, string username, string grantsFrom, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(username);
        ArgumentNullException.ThrowIfNull(grantsFrom);
        return await OpenSessionAsync(endpoint, new Plan(Change.Alternate, username, grantsFrom), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IPasswordChangeSession> BeginOwnPasswordChangeAsync(DatabaseEndpoint endpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return await OpenSessionAsync(endpoint, new Plan(Change.Own, endpoint.ManagingUser.Username, GrantsFrom: null), cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Connects as the managing user, claims the user the session changes and, unless it changes the managing user's
    /// own password, refuses the managing user and administrative accounts (for an alternate session, the user whose
    /// grants are copied as well) before anything changes.
    /// </summary>
    private async Task<IPasswordChangeSession> OpenSessionAsync(DatabaseEndpoint endpoint, Plan plan, CancellationToken cancellationToken)
    {
        var managing = endpoint.ManagingUser.Username;
        var context = plan.Change switch
        {
            Change.Own => Context(endpoint, $"the user {DisplayUser(managing)} (changing its own password)", plan.Username) with
            {
                PasswordStatement = OwnPasswordStatement,
            },
            Change.Alternate => Context(endpoint, $"the managing user {DisplayUser(managing)}", plan.Username) with
            {
                PasswordStatement = AlternateStatements,
            },
            _ => Context(endpoint, $"the managing user {DisplayUser(managing)}", plan.Username),
        };

        if (plan.Change != Change.Own)
        {
            CheckUsername(plan.Username);
            if (string.Equals(plan.Username, managing, StringComparison.Ordinal))
            {
                throw ManagingUserRefused(context);
            }
        }

        if (plan.GrantsFrom is { } grantsFrom)
        {
            CheckUsername(grantsFrom);
            if (string.Equals(grantsFrom, managing, StringComparison.Ordinal))
            {
                throw ManagingUserCopyRefused(context, grantsFrom);
            }

            if (string.Equals(grantsFrom, plan.Username, StringComparison.Ordinal))
            {
                throw new RotationFailedException(
                    RotationFailureKind.InvalidTarget,
                    $"the user to rotate {DisplayUser(plan.Username)} and the user whose grants it receives are the same on {context.Address}; " +
                    "nothing was changed: name the other user of the alternating pair");
            }
        }

        DriverConnection? connection = null;
        try
        {
            // Changing one's own password needs no default database, which a user without privileges may not use.
            connection = await OpenConnectionAsync(endpoint, endpoint.ManagingUser, database: plan.Change != Change.Own, context.Check, cancellationToken)
                .ConfigureAwait(false);
            context = context with { Step = DatabaseStep.Claiming };
            var claim = await ClaimAsync(connection, context, plan.Username, cancellationToken).ConfigureAwait(false);
            if (plan.Change != Change.Own)
            {
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

                if (plan.GrantsFrom is { } source)
                {
                    // The catalog read is about the user named in the context; the claim stays on the rotated user.
                    var copied = await ReadTargetAsync(connection, claim, context with { RotatedUser = source }, cancellationToken).ConfigureAwait(false);
                    if (copied.IsManagingUser)
                    {
                        throw ManagingUserCopyRefused(context, source);
                    }

                    if (copied.Reasons.Count > 0)
                    {
                        throw AdministrativeCopyRefused(context, source, copied.Reasons);
                    }
                }
            }

            var session = new Session(this, connection, claim, plan, context with { Step = DatabaseStep.PreparingPassword });
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

    /// <summary>The refusal of the managing user as the user to rotate.</summary>
    private RotationFailedException ManagingUserRefused(FailureContext context) =>
        new RotationFailedException(
            RotationFailureKind.PrivilegedTarget,
            $"refusing to rotate {DisplayUser(context.RotatedUser)} on {context.Address}: it is the managing user this rotation logs in as. " +
            $"{HandsOutPassword} Nothing was changed: rotate two ordinary users, and keep the managing user's credentials out of the rotated ones");

    /// <summary>The refusal of an administrative account as the user to rotate, with what makes it one.</summary>
    /// <param name="reasons">What the account holds, each in the server's terms (e.g. <c>role "ops" has SUPERUSER</c>).</param>
    private RotationFailedException AdministrativeRefused(FailureContext context, IReadOnlyList<string> reasons)
    {
        return new RotationFailedException(
            RotationFailureKind.PrivilegedTarget,
            $"refusing to rotate {DisplayUser(context.RotatedUser)} on {context.Address}: it holds administrative power ({Shown(reasons)}). " +
            $"{HandsOutPassword} Nothing was changed: rotate users without administrative privileges (revoke them, or choose other users)");
    }

    /// <summary>The refusal of the managing user as the user whose grants an alternate user would receive.</summary>
    private RotationFailedException ManagingUserCopyRefused(FailureContext context, string grantsFrom) =>
        new RotationFailedException(
            RotationFailureKind.PrivilegedTarget,
            $"refusing to give {DisplayUser(context.RotatedUser)} the grants of {DisplayUser(grantsFrom)} on {context.Address}: " +
            $"{DisplayUser(grantsFrom)} is the managing user this rotation logs in as, and its power would pass to the rotated user. " +
            $"{HandsOutPassword} Nothing was changed: copy the grants of an ordinary user, and keep the managing user's credentials out of the rotated ones");

    /// <summary>The refusal of an administrative account as the user whose grants an alternate user would receive.</summary>
    private RotationFailedException AdministrativeCopyRefused(FailureContext context, string grantsFrom, IReadOnlyList<string> reasons) =>
        new RotationFailedException(
            RotationFailureKind.PrivilegedTarget,
            $"refusing to give {DisplayUser(context.RotatedUser)} the grants of {DisplayUser(grantsFrom)} on {context.Address}: " +
            $"{DisplayUser(grantsFrom)} holds administrative power ({Shown(reasons)}). " +
            $"{HandsOutPassword} Nothing was changed: copy the grants of a user without administrative privileges");

    private static string Shown(IReadOnlyList<string> reasons)
    {
        var shown = string.Join("; ", reasons.Take(MaxReasonsShown));
        return reasons.Count > MaxReasonsShown ? $"{shown}; and {reasons.Count - MaxReasonsShown} more" : shown;
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
        private readonly Plan _plan;
        private readonly FailureContext _context;

        public Session(DatabaseEngine<TClaim> engine, DriverConnection connection, TClaim claim, Plan plan, FailureContext context)
        {
            _engine = engine;
            _connection = connection;
            _claim = claim;
            _plan = plan;
            _context = context;
        }

        public async Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(newPassword);
            var context = _context;
            void Sending() => context = _context with { Step = DatabaseStep.PasswordSent };
            try
            {
                // Only an alternate session's plan names a user to copy grants from.
                await (_plan switch
                {
                    { GrantsFrom: { } grantsFrom } => _engine.SetAlternatePasswordAsync(_connection, _claim, _context, grantsFrom, newPassword, Sending, cancellationToken),
                    { Change: Change.Own } => _engine.SetOwnPasswordAsync(_connection, _claim, _context, newPassword, Sending, cancellationToken),
                    _ => _engine.SetPasswordAsync(_connection, _claim, _context, newPassword, Sending, cancellationToken),
                }).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                throw _engine.Failure(ex, context);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection.IsUsable)
            {
                using var bound = new CancellationTokenSource(ReleaseBound);
                try
                {
                    await _engine.ReleaseAsync(_connection, _plan.Username, bound.Token).ConfigureAwait(false);
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

    /// <summary>What a session changes: the claimed user's password, a Secrets Manager alternate user, or the managing user's own password.</summary>
    private enum Change
    {
        Password,
        Alternate,
        Own,
    }

    /// <summary>A session's change, the user it claims, and for an alternate user whose grants it receives.</summary>
    private sealed record Plan(Change Change, string Username, string? GrantsFrom);
}
