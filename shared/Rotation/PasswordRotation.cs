using System.Diagnostics;
using EscRotators.Configuration;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Passwords;
using EscRotators.Planning;
using EscRotators.Protocol;
using EscRotators.Redaction;
using EscRotators.Validation;

namespace EscRotators.Rotation;

/// <summary>
/// Runs one validated request: choose the user (Form B), set the password as the managing user, log in with it,
/// and build the reply. Never replies 200 before the verification login succeeded, and never returns state on failure.
/// </summary>
public sealed class PasswordRotation
{
    private readonly RotatorOptions _options;
    private readonly RotationPlanner _planner;
    private readonly PasswordGenerator _generator;
    private readonly TimeProvider _time;

    public PasswordRotation(RotatorOptions options, RotationPlanner planner, PasswordGenerator generator, TimeProvider time)
    {
        _options = options;
        _planner = planner;
        _generator = generator;
        _time = time;
    }

    public async Task<RotationReply> RunAsync(
        RotationRequest request,
        IDatabaseEngine engine,
        DateTimeOffset deadline,
        RotatorLogger log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(log);

        string username;
        string newPassword;
        WireCredentials? previous = null;
        if (request.Form == RequestForm.FullRotation)
        {
            var plan = _planner.Plan(request.Username1!, request.Username2!, request.State);
            username = plan.UserToRotate;
            previous = plan.Previous;
            newPassword = _generator.Generate(request.PasswordPolicy);
        }
        else
        {
            username = request.RotateUsername!;
            newPassword = request.NewPassword!;
        }

        var redactor = new SecretRedactor();
        redactor.Add(request.Endpoint.ManagingUser.Password);
        redactor.Add(newPassword);
        redactor.Add(request.State?.Current?.Password);
        redactor.Add(request.State?.Previous?.Password);

        var endpoint = request.Endpoint;

        // Each attempt gets the time left, so a driver's own timeout ends (closing its socket) before the deadline.
        // Drivers time out in whole seconds: with less than one left, an attempt could outlive the invocation.
        DatabaseEndpoint Attempt()
        {
            var timeout = ConnectTimeout(deadline);
            return timeout >= TimeSpan.FromSeconds(1)
                ? endpoint with { ConnectTimeout = timeout }
                : throw new RotationFailedException(
                    RotationFailureKind.Timeout,
                    $"only {(long)timeout.TotalMilliseconds} ms remain before the Lambda deadline, too little to open a database " +
                    "connection that is sure to close in time; raise the function timeout (3 s or more)");
        }

        var started = Stopwatch.GetTimestamp();
        var stage = RotationStage.SettingPassword;
        try
        {
            // Connecting (and claiming the user) is retried when nothing reached the server; the statement is not.
            var session = await WithRetriesAsync(
                ct => engine.BeginAsync(Attempt(), username, ct), log, cancellationToken).ConfigureAwait(false);
            await using (session.ConfigureAwait(false))
            {
                await session.SetPasswordAsync(newPassword, cancellationToken).ConfigureAwait(false);
                stage = RotationStage.VerifyingLogin;

                // Still holding the claim: no concurrent rotation can change the password under the check.
                await WithRetriesAsync(
                    async ct =>
                    {
                        await engine.VerifyLoginAsync(Attempt(), new Credential(username, newPassword), ct).ConfigureAwait(false);
                        return true;
                    },
                    log,
                    cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RotationFailedException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            var failure = ex as RotationFailedException
                ?? ConnectionFailures.TimedOut(endpoint, stage == RotationStage.SettingPassword ? "the managing user" : "the rotated user", connected: false, ex);
            var message = redactor.Redact(Describe(failure, stage, username, request.Form));
            log.Warn(
                "rotation failed",
                [.. Summary(engine, endpoint, username, "failed"),
                LogField.Of("failure", failure.Kind.ToString()),
                LogField.Of("stage", stage.ToString()),
                LogField.Of("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds),
                LogField.Of("error", message)]);
            return RotationReply.BadRequest(message);
        }

        log.Info(
            "rotation succeeded",
            [.. Summary(engine, endpoint, username, "rotated"),
            LogField.Of("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)]);

        return request.Form == RequestForm.FullRotation
            ? RotationReply.Ok(new WireState
            {
                Current = new WireCredentials { Username = username, Password = newPassword },
                Previous = previous,
            })
            : RotationReply.Ok();
    }

    // The fields every rotation's log line starts with; never a secret.
    private static LogField[] Summary(IDatabaseEngine engine, DatabaseEndpoint endpoint, string username, string outcome) =>
    [
        LogField.Of("engine", engine.Type),
        LogField.Of("host", endpoint.Host),
        LogField.Of("database", endpoint.Database),
        LogField.Of("rotatedUser", username),
        LogField.Of("outcome", outcome),
    ];

    private static string Describe(RotationFailedException failure, RotationStage stage, string username, RequestForm form)
    {
        if (stage == RotationStage.SettingPassword)
        {
            return failure.OutcomeUnknown
                ? $"{failure.Message}; the password of \"{username}\" may or may not have changed: {RetryAdvice(form)}"
                : failure.Message;
        }

        return $"the password of \"{username}\" was changed, but logging in with it failed: {failure.Message}; {RetryAdvice(form)}";
    }

    private static string RetryAdvice(RequestForm form) => form == RequestForm.FullRotation
        ? "no new state is returned, the current credentials are untouched, and the next rotation sets this user's password again"
        : "the caller keeps its previous credentials; retry the rotation to set the password again";

    // Drivers take whole seconds and may not notice cancellation while a server is silent: stay inside the deadline.
    private TimeSpan ConnectTimeout(DateTimeOffset deadline)
    {
        var remaining = deadline - _time.GetUtcNow() - _options.DeadlineMargin;
        if (remaining <= TimeSpan.Zero)
        {
            return TimeSpan.FromMilliseconds(1);
        }

        return remaining < _options.MaximumConnectTimeout ? remaining : _options.MaximumConnectTimeout;
    }

    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> step, RotatorLogger log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await step(cancellationToken).ConfigureAwait(false);
            }
            catch (RotationFailedException ex) when (ex.Kind == RotationFailureKind.Unreachable && attempt < _options.RetryDelays.Count)
            {
                // Nothing reached the server, so trying again cannot apply anything twice.
                var delay = _options.RetryDelays[attempt];
                log.Debug("database unreachable, retrying", LogField.Of("attempt", attempt + 1), LogField.Of("delayMs", (long)delay.TotalMilliseconds));
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
