using System.Diagnostics;
using EscRotators.Configuration;
using EscRotators.Engines;
using EscRotators.Logging;

namespace EscRotators.Rotation;

/// <summary>
/// Runs one validated request: choose the user (Form B), set the password as the managing user, log in with it,
/// and return the typed result. Never succeeds before the verification login did, and never returns state on failure.
/// </summary>
public sealed class PasswordRotation
{
    private readonly RotatorOptions _options;
    private readonly RotationPlanner _planner;
    private readonly PasswordGenerator _generator;

    public PasswordRotation(RotatorOptions options, RotationPlanner planner, PasswordGenerator generator)
    {
        _options = options;
        _planner = planner;
        _generator = generator;
    }

    public async Task<RotationResult> RunAsync(
        RotationRequest request,
        IDatabaseEngine engine,
        InvocationBudget budget,
        RotatorLogger log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(log);

        var (username, newPassword, previous) = request switch
        {
            FullRotationRequest full => Planned(full),
            ConnectorRequest connector => (connector.RotateUsername, connector.NewPassword, (StoredCredential?)null),
            _ => throw new ArgumentException($"unsupported request type {request.GetType().Name}", nameof(request)),
        };

        // Our messages are built from safe parts; this is the last check on text a driver wrote.
        var redactor = new SecretRedactor();
        redactor.Add(request.Endpoint.ManagingUser.Password);
        redactor.Add(newPassword);
        if (request is FullRotationRequest alternation)
        {
            redactor.Add(alternation.Current?.Password);
            redactor.Add(alternation.Previous?.Password);
        }

        var endpoint = request.Endpoint;

        // Each attempt gets the time left, so a driver's own timeout ends (closing its socket) before the deadline.
        DatabaseEndpoint Attempt() => endpoint with { ConnectTimeout = budget.NextAttemptTimeout(_options.MaximumConnectTimeout) };

        var started = Stopwatch.GetTimestamp();
        var stage = RotationStage.Connecting;
        try
        {
            // Connecting (and claiming the user) is retried when nothing reached the server; the statement is not.
            var session = await DatabaseRetry.RunAsync(
                ct => engine.BeginAsync(Attempt(), username, ct), _options.RetryDelays, budget, log, cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                stage = RotationStage.SettingPassword;
                await session.SetPasswordAsync(newPassword, cancellationToken).ConfigureAwait(false);
                stage = RotationStage.VerifyingLogin;

                // Still holding the claim: no concurrent rotation can change the password under the check.
                await DatabaseRetry.RunAsync(
                    async ct =>
                    {
                        await engine.VerifyLoginAsync(Attempt(), new Credential(username, newPassword), ct).ConfigureAwait(false);
                        return true;
                    },
                    _options.RetryDelays,
                    budget,
                    log,
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RotationFailedException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var failure = ex as RotationFailedException ?? TimedOut(endpoint, stage, ex);
            var message = redactor.Redact(Describe(failure, stage, username, request));
            log.Warn(
                "rotation failed",
                [.. Summary(engine, endpoint, username, "failed"),
                LogField.Of("failure", failure.Kind.ToString()),
                LogField.Of("stage", stage.ToString()),
                LogField.Of("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds),
                LogField.Of("error", message)]);
            return RotationResult.Rejected(message);
        }

        log.Info(
            "rotation succeeded",
            [.. Summary(engine, endpoint, username, "rotated"),
            LogField.Of("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)]);

        return request is FullRotationRequest
            ? RotationResult.Alternated(new RotationState(new Credential(username, newPassword), previous))
            : RotationResult.Applied();
    }

    private (string Username, string NewPassword, StoredCredential? Previous) Planned(FullRotationRequest request)
    {
        var plan = _planner.Plan(request.Username1, request.Username2, request.Current);
        return (plan.UserToRotate, _generator.Generate(request.PasswordPolicy), plan.Previous);
    }

    // The work was stopped for the reply's sake; once the statement was on its way its outcome is unknown.
    private static RotationFailedException TimedOut(DatabaseEndpoint endpoint, RotationStage stage, Exception cause) => stage switch
    {
        RotationStage.Connecting => ConnectionFailures.TimedOut(endpoint, "the managing user", connected: false, cause),
        RotationStage.SettingPassword => ConnectionFailures.TimedOut(endpoint, "the managing user", connected: true, cause, passwordStatementSent: true),
        _ => ConnectionFailures.TimedOut(endpoint, "the rotated user", connected: false, cause),
    };

    // The fields every rotation's log line starts with; never a secret.
    private static LogField[] Summary(IDatabaseEngine engine, DatabaseEndpoint endpoint, string username, string outcome) =>
    [
        LogField.Of("engine", engine.Type),
        LogField.Of("host", endpoint.Host),
        LogField.Of("database", endpoint.Database),
        LogField.Of("rotatedUser", username),
        LogField.Of("outcome", outcome),
    ];

    private static string Describe(RotationFailedException failure, RotationStage stage, string username, RotationRequest request)
    {
        if (stage != RotationStage.VerifyingLogin)
        {
            return failure.OutcomeUnknown
                ? $"{failure.Message}; the password of \"{username}\" may or may not have changed: {RetryAdvice(request)}"
                : failure.Message;
        }

        return $"the password of \"{username}\" was changed, but logging in with it failed: {failure.Message}; {RetryAdvice(request)}";
    }

    private static string RetryAdvice(RotationRequest request) => request is FullRotationRequest
        ? "no new state is returned, the current credentials are untouched, and the next rotation sets this user's password again"
        : "the caller keeps its previous credentials; retry the rotation to set the password again";
}

/// <summary>Where a rotation stopped, which decides what the failure message can promise.</summary>
public enum RotationStage
{
    /// <summary>Logging in as the managing user and claiming the user: nothing has been changed.</summary>
    Connecting,

    /// <summary>The password statement is on its way: a failure leaves the outcome unknown.</summary>
    SettingPassword,

    /// <summary>The password was changed; logging in with it as the rotated user.</summary>
    VerifyingLogin,
}

/// <summary>
/// Runs one database step again while it fails with <see cref="RotationFailureKind.Unreachable"/>: nothing reached the
/// server, so trying again cannot apply anything twice. Every other failure, and the last one, escapes.
/// </summary>
public static class DatabaseRetry
{
    public static async Task<T> RunAsync<T>(
        Func<CancellationToken, Task<T>> step,
        IReadOnlyList<TimeSpan> delays,
        InvocationBudget budget,
        RotatorLogger log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(delays);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(log);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await step(cancellationToken).ConfigureAwait(false);
            }
            catch (RotationFailedException ex) when (ex.Kind == RotationFailureKind.Unreachable && attempt < delays.Count)
            {
                var delay = delays[attempt];
                log.Debug("database unreachable, retrying", LogField.Of("attempt", attempt + 1), LogField.Of("delayMs", (long)delay.TotalMilliseconds));
                await Task.Delay(delay, budget.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
