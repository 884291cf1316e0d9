using System.Diagnostics;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Tls;

namespace EscRotators.SecretsManager.Rotation;

/// <summary>
/// Secrets Manager's four-step rotation (createSecret, setSecret, testSecret, finishSecret) for database secrets in
/// AWS's format, with both of AWS's strategies: alternating users (the secret names a master secret in
/// <c>masterarn</c>; <c>X</c> and <c>X_clone</c> take turns) and a single user that changes its own password. Each
/// step is idempotent the way AWS's templates are, since Secrets Manager retries whole rotations. A failed step
/// throws <see cref="RotationStepException"/> (a Lambda function error) with a redacted message naming the step,
/// the database and what to do; success returns normally.
/// </summary>
public sealed class SecretsManagerRotationHandler
{
    private const string Current = "AWSCURRENT";
    private const string Pending = "AWSPENDING";
    private const string Previous = "AWSPREVIOUS";

    private readonly Dictionary<string, IDatabaseEngine> _engines;
    private readonly RotatorOptions _options;
    private readonly RequestValidator _validator;
    private readonly GetRandomPasswordRequest _passwordRequest;
    private readonly Lazy<SecretsManagerClient> _client;
    private readonly RotatorLogger _logger;

    /// <param name="engines">The engines by <see cref="IDatabaseEngine.Type"/> (<c>mysql</c>, <c>postgres</c>).</param>
    /// <param name="client">
    /// Builds the Secrets Manager client on the first rotation event, so a function that serves only ESC events
    /// needs no AWS settings; a <see cref="SecretsManagerConfigurationException"/> it throws fails the step.
    /// </param>
    public SecretsManagerRotationHandler(
        IEnumerable<IDatabaseEngine> engines,
        RotatorOptions options,
        GetRandomPasswordRequest passwordRequest,
        Func<SecretsManagerClient> client,
        RotatorLogger logger)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(passwordRequest);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(logger);
        _engines = engines.ToDictionary(e => e.Type, StringComparer.Ordinal);
        _options = options;
        _validator = new RequestValidator(options.DefaultTls);
        _passwordRequest = passwordRequest;
        _client = new Lazy<SecretsManagerClient>(client);
        _logger = logger;
    }

    /// <summary>Runs one step; <paramref name="cancellationToken"/> fires when the work must stop for the reply to be on time.</summary>
    /// <exception cref="RotationStepException">The step failed; the message is safe to show and says what to do.</exception>
    public async Task HandleAsync(SecretsManagerEvent evt, string? requestId, InvocationBudget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(budget);
        var log = _logger.ForRequest(requestId);
        var step = new StepRun(this, evt, budget, log, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        string outcome;
        try
        {
            outcome = await step.RunAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (step.Describe(ex) is { } failure)
        {
            log.Warn(
                "rotation step failed",
                [.. step.Summary("failed"),
                LogField.Of("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds),
                LogField.Of("error", failure.Message)]);
            throw failure;
        }
        catch (Exception ex) when (ex is not RotationStepException)
        {
            // A bug: where it happened (stack traces hold no input), never the message (it might).
            log.Error("unexpected failure", LogField.Of("exception", ex.GetType().FullName), LogField.Of("stackTrace", ex.StackTrace));
            throw new UnexpectedRotatorException($"internal error ({ex.GetType().Name}) in {SecretsManagerEvent.StepName(evt.Step)}; the rotator's log has the stack trace", ex);
        }

        log.Info(
            "rotation step succeeded",
            [.. step.Summary(outcome), LogField.Of("elapsedMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds)]);
    }

    /// <summary>As <see cref="HandleAsync"/>, answering <c>null</c> as AWS's templates do (the reply's content is not read).</summary>
    public async Task<ReadOnlyMemory<byte>> HandleToJsonAsync(SecretsManagerEvent evt, string? requestId, InvocationBudget budget, CancellationToken cancellationToken)
    {
        await HandleAsync(evt, requestId, budget, cancellationToken).ConfigureAwait(false);
        return "null"u8.ToArray();
    }

    /// <summary>One invocation: its event, its deadline, the secrets it has read (to redact) and the database it is at.</summary>
    private sealed class StepRun
    {
        private readonly SecretsManagerRotationHandler _handler;
        private readonly SecretsManagerEvent _event;
        private readonly InvocationBudget _budget;
        private readonly RotatorLogger _log;
        private readonly CancellationToken _cancellationToken;
        private readonly SecretRedactor _redactor = new();
        private readonly string _stepName;
        private string? _database;
        private string? _doing;

        public StepRun(SecretsManagerRotationHandler handler, SecretsManagerEvent evt, InvocationBudget budget, RotatorLogger log, CancellationToken cancellationToken)
        {
            _handler = handler;
            _event = evt;
            _budget = budget;
            _log = log;
            _cancellationToken = cancellationToken;
            _stepName = SecretsManagerEvent.StepName(evt.Step);
        }

        public LogField[] Summary(string outcome) =>
        [
            LogField.Of("step", _stepName),
            LogField.Of("secretId", _event.SecretId),
            LogField.Of("version", _event.ClientRequestToken),
            LogField.Of("database", _database),
            LogField.Of("outcome", outcome),
        ];

        /// <summary>The step, guarded as AWS's templates guard it; returns the outcome for the log.</summary>
        public async Task<string> RunAsync()
        {
            _doing = "reading the secret's versions";
            var description = await CallAsync(c => c.DescribeSecretAsync(_event.SecretId, _cancellationToken)).ConfigureAwait(false);
            if (description.RotationEnabled == false)
            {
                throw Fail($"secret {_event.SecretId} is not enabled for rotation", "turn rotation on for it; Secrets Manager then invokes this function itself");
            }

            var versions = description.VersionIdsToStages ?? [];
            if (!versions.TryGetValue(_event.ClientRequestToken, out var stages))
            {
                throw Fail(
                    $"version {_event.ClientRequestToken} has no stage in secret {_event.SecretId}",
                    "this event does not belong to a rotation in progress; start one with RotateSecret");
            }

            if (stages.Contains(Current, StringComparer.Ordinal))
            {
                // A retried rotation that already finished: nothing left to do in any step.
                return "already current";
            }

            if (!stages.Contains(Pending, StringComparer.Ordinal))
            {
                throw Fail(
                    $"version {_event.ClientRequestToken} of secret {_event.SecretId} is not staged {Pending}",
                    "this event does not belong to the rotation in progress; start a new one with RotateSecret");
            }

            return _event.Step switch
            {
                RotationStep.CreateSecret => await CreateAsync().ConfigureAwait(false),
                RotationStep.SetSecret => await SetAsync().ConfigureAwait(false),
                RotationStep.TestSecret => await TestAsync().ConfigureAwait(false),
                _ => await FinishAsync(versions).ConfigureAwait(false),
            };
        }

        // createSecret: the pending version, unless this token already has one.
        private async Task<string> CreateAsync()
        {
            var current = await ReadAsync(_event.SecretId, Current, null, "the AWSCURRENT version").ConfigureAwait(false);
            if (await TryReadPendingAsync().ConfigureAwait(false) is not null)
            {
                return "pending version kept";
            }

            var username = current.MasterArn is null ? current.Username : DatabaseSecret.AlternateOf(current.Username);
            if (!current.Fits(username))
            {
                throw Fail(
                    $"the alternate user name \"{username}\" is longer than {current.Engine} allows ({current.MaxUsernameLength})",
                    "shorten the user name in the secret so that it fits with \"_clone\" appended");
            }

            _doing = "generating the new password";
            var generated = await CallAsync(c => c.GetRandomPasswordAsync(RandomPasswordSettings.For(_handler._passwordRequest, current.EngineType), _cancellationToken)).ConfigureAwait(false);
            var password = generated.RandomPassword is { Length: > 0 } p
                ? p
                : throw Fail("GetRandomPassword answered without a password", "Secrets Manager retries the rotation");
            _redactor.Add(password);

            _doing = "storing the pending version";
            await CallAsync(c => c.PutSecretValueAsync(
                new PutSecretValueRequest(_event.SecretId, _event.ClientRequestToken, current.With(username, password))
                {
                    VersionStages = [Pending],
                    RotationToken = _event.RotationToken,
                },
                _cancellationToken)).ConfigureAwait(false);
            return "pending version created";
        }

        // setSecret: the pending password set in the database, by the master user or by the user itself.
        private async Task<string> SetAsync()
        {
            var current = await ReadAsync(_event.SecretId, Current, null, "the AWSCURRENT version").ConfigureAwait(false);
            var pending = await ReadPendingAsync().ConfigureAwait(false);
            var engine = Engine(pending, current);
            var pendingEndpoint = Endpoint(pending, pending.Username, pending.Password);

            _doing = "trying the pending credentials";
            if (await LogsInAsync(engine, pendingEndpoint).ConfigureAwait(false))
            {
                return "pending password already set";
            }

            if (!string.Equals(pending.Host, current.Host, StringComparison.Ordinal))
            {
                throw Fail(
                    $"the pending version names host \"{pending.Host}\", the current one \"{current.Host}\"; refusing to change a user on another host",
                    "keep the host unchanged between versions, or start a new rotation after fixing the pending version");
            }

            return current.MasterArn is { } masterArn
                ? await SetAsMasterAsync(engine, current, pending, masterArn, pendingEndpoint).ConfigureAwait(false)
                : await SetAsItselfAsync(engine, current, pending, pendingEndpoint).ConfigureAwait(false);
        }

        private async Task<string> SetAsMasterAsync(IDatabaseEngine engine, DatabaseSecret current, DatabaseSecret pending, string masterArn, DatabaseEndpoint pendingEndpoint)
        {
            // The confused-deputy checks of AWS's templates: only the current user's alternate, only on the master's host.
            var alternate = DatabaseSecret.AlternateOf(current.Username);
            if (!string.Equals(pending.Username, alternate, StringComparison.Ordinal))
            {
                throw Fail(
                    $"the pending version names user \"{pending.Username}\", but with a master secret only \"{alternate}\", the alternate of the current user \"{current.Username}\", may be changed",
                    "start a new rotation: createSecret writes the alternate user into the pending version");
            }

            // As AWS's template: the current credentials must work, so a secret's writer cannot aim the master at any user.
            _doing = "logging in with the current credentials";
            try
            {
                await OnDatabaseAsync(ct => engine.VerifyLoginAsync(Attempt(Endpoint(current, current.Username, current.Password)), new Credential(current.Username, current.Password), ct))
                    .ConfigureAwait(false);
            }
            catch (RotationFailedException failure) when (failure.Kind != RotationFailureKind.Timeout)
            {
                throw Fail($"the AWSCURRENT credentials of \"{current.Username}\" do not log in: {failure.Message}", "nothing was changed; fix the current version (or the user's password) first");
            }

            var master = await ReadAsync(masterArn, Current, null, "the master secret (masterarn)").ConfigureAwait(false);
            if (!string.Equals(master.Host, current.Host, StringComparison.Ordinal))
            {
                throw Fail(
                    $"the master secret's host \"{master.Host}\" is not the secret's host \"{current.Host}\"; the master may change users on its own server only",
                    "point masterarn at the master secret of the same database instance (read replicas are not followed)");
            }

            var managing = Endpoint(master, master.Username, master.Password) with
            {
                Database = DatabaseName(current),
                Port = master.Port ?? current.EffectivePort,
            };
            _doing = $"setting the password of \"{pending.Username}\" as the master user";
            IPasswordChangeSession session;
            try
            {
                session = await OnDatabaseAsync(ct => engine.BeginAlternateAsync(Attempt(managing), pending.Username, current.Username, ct)).ConfigureAwait(false);
            }
            catch (RotationFailedException refused) when (refused.Kind == RotationFailureKind.Authentication)
            {
                throw Fail($"the master secret's credentials do not log in: {refused.Message}", "nothing was changed; fix the master secret (masterarn) or its user's password");
            }

            await SetAndVerifyAsync(engine, session, pending, pendingEndpoint, $"the current user \"{current.Username}\" still logs in with AWSCURRENT").ConfigureAwait(false);
            return "password set by the master user";
        }

        private async Task<string> SetAsItselfAsync(IDatabaseEngine engine, DatabaseSecret current, DatabaseSecret pending, DatabaseEndpoint pendingEndpoint)
        {
            if (!string.Equals(pending.Username, current.Username, StringComparison.Ordinal))
            {
                throw Fail(
                    $"the pending version names user \"{pending.Username}\", the current one \"{current.Username}\"; without a master secret a user changes only its own password",
                    "start a new rotation: createSecret copies the current user into the pending version");
            }

            _doing = $"logging in as \"{current.Username}\" to change its own password";
            IPasswordChangeSession session;
            try
            {
                session = await OnDatabaseAsync(ct => engine.BeginOwnPasswordChangeAsync(Attempt(Endpoint(current, current.Username, current.Password)), ct)).ConfigureAwait(false);
            }
            catch (RotationFailedException refused) when (refused.Kind == RotationFailureKind.Authentication)
            {
                // As AWS's template: an earlier rotation may have changed the password and failed before finishSecret.
                var previous = await TryReadAsync(_event.SecretId, Previous, "the AWSPREVIOUS version").ConfigureAwait(false);
                if (previous is null || previous.Username != pending.Username || previous.Host != pending.Host)
                {
                    throw;
                }

                _doing = $"logging in as \"{current.Username}\" with the AWSPREVIOUS password";
                session = await OnDatabaseAsync(ct => engine.BeginOwnPasswordChangeAsync(Attempt(Endpoint(current, previous.Username, previous.Password)), ct)).ConfigureAwait(false);
            }

            await SetAndVerifyAsync(engine, session, pending, pendingEndpoint, "a single user's old password stops working once it is changed").ConfigureAwait(false);
            return "own password set";
        }

        private async Task SetAndVerifyAsync(IDatabaseEngine engine, IPasswordChangeSession session, DatabaseSecret pending, DatabaseEndpoint pendingEndpoint, string currentState)
        {
            await using (session.ConfigureAwait(false))
            {
                try
                {
                    await session.SetPasswordAsync(pending.Password, _cancellationToken).ConfigureAwait(false);
                }
                catch (RotationFailedException failure) when (failure.OutcomeUnknown)
                {
                    throw Fail(
                        $"{failure.Message}; the password of \"{pending.Username}\" may or may not have changed",
                        $"{currentState}; Secrets Manager retries the rotation, and its setSecret sets the password again");
                }

                // Still holding the claim: no other rotation can change the password under the check.
                _doing = $"logging in as \"{pending.Username}\" with the new password";
                try
                {
                    await OnDatabaseAsync(ct => engine.VerifyLoginAsync(Attempt(pendingEndpoint), new Credential(pending.Username, pending.Password), ct)).ConfigureAwait(false);
                }
                catch (RotationFailedException failure)
                {
                    throw Fail(
                        $"the password of \"{pending.Username}\" was changed, but logging in with it failed: {failure.Message}",
                        $"{currentState}; Secrets Manager retries the rotation");
                }
            }
        }

        // testSecret: the pending credentials log in.
        private async Task<string> TestAsync()
        {
            var pending = await ReadPendingAsync().ConfigureAwait(false);
            var engine = Engine(pending, null);
            var endpoint = Endpoint(pending, pending.Username, pending.Password);
            _doing = $"logging in as \"{pending.Username}\" with the pending password";
            await OnDatabaseAsync(ct => engine.VerifyLoginAsync(Attempt(endpoint), new Credential(pending.Username, pending.Password), ct)).ConfigureAwait(false);
            return "pending credentials log in";
        }

        // finishSecret: AWSCURRENT moves to this version (the guard returned already if it is there).
        private async Task<string> FinishAsync(Dictionary<string, string[]> versions)
        {
            // Not needed for the move; read so that a failure names the database like every other step's.
            _ = await ReadPendingAsync().ConfigureAwait(false);
            var holder = versions.FirstOrDefault(v => v.Value.Contains(Current, StringComparer.Ordinal)).Key;
            _doing = "moving AWSCURRENT to the new version";
            await CallAsync(c => c.UpdateSecretVersionStageAsync(
                new UpdateSecretVersionStageRequest(_event.SecretId, Current)
                {
                    MoveToVersionId = _event.ClientRequestToken,
                    RemoveFromVersionId = holder,
                },
                _cancellationToken)).ConfigureAwait(false);
            return "new version is current";
        }

        private async Task<DatabaseSecret> ReadPendingAsync() =>
            await TryReadPendingAsync().ConfigureAwait(false)
            ?? throw Fail(
                $"version {_event.ClientRequestToken} staged {Pending} has no value",
                "createSecret writes it; Secrets Manager runs the steps in order, so start a new rotation");

        private Task<DatabaseSecret?> TryReadPendingAsync() =>
            TryReadAsync(_event.SecretId, Pending, "the AWSPENDING version", _event.ClientRequestToken);

        private async Task<DatabaseSecret> ReadAsync(string secretId, string stage, string? versionId, string what) =>
            await ReadAsync(secretId, stage, versionId, what, missingIsNull: false).ConfigureAwait(false)
            ?? throw new InvalidOperationException("a missing version was not reported");

        private Task<DatabaseSecret?> TryReadAsync(string secretId, string stage, string what, string? versionId = null) =>
            ReadAsync(secretId, stage, versionId, what, missingIsNull: true);

        private async Task<DatabaseSecret?> ReadAsync(string secretId, string stage, string? versionId, string what, bool missingIsNull)
        {
            _doing = $"reading {what}";
            var value = await CallAsync(
                c => c.GetSecretValueAsync(new GetSecretValueRequest(secretId) { VersionStage = stage, VersionId = versionId }, _cancellationToken),
                missingIsNull).ConfigureAwait(false);
            if (value is null)
            {
                return null;
            }

            // Known before parsing, so that not even a parse error can carry a password out.
            _redactor.Add(value.SecretString);
            var secret = DatabaseSecret.Parse(value.SecretString, what);
            _redactor.Add(secret.Password);
            if (secretId == _event.SecretId)
            {
                _database ??= $"{secret.Host}:{secret.EffectivePort}";
            }

            return secret;
        }

        private IDatabaseEngine Engine(DatabaseSecret secret, DatabaseSecret? current)
        {
            if (current is not null && current.EngineType != secret.EngineType)
            {
                throw Fail($"the pending version's engine \"{secret.Engine}\" is not the current one's \"{current.Engine}\"", "keep the engine unchanged between versions");
            }

            return _handler._engines.TryGetValue(secret.EngineType, out var engine)
                ? engine
                : throw Fail($"this function has no {secret.EngineType} engine", "deploy the build that includes it");
        }

        private DatabaseEndpoint Endpoint(DatabaseSecret secret, string username, string password)
        {
            try
            {
                var host = RequestValidator.ValidHost(secret.Host, "host");
                return new DatabaseEndpoint(host, secret.EffectivePort, DatabaseName(secret), new Credential(username, password), TlsOf(secret), TimeSpan.Zero);
            }
            catch (InvalidRequestException invalid)
            {
                throw Fail($"the secret's {invalid.Message}", "fix the secret's fields (docs/secrets-manager.md)");
            }
        }

        // AWS's templates default PostgreSQL to the database "postgres" and MySQL to none.
        private static string DatabaseName(DatabaseSecret secret) =>
            secret.DatabaseName ?? (secret.EngineType == "postgres" ? "postgres" : "");

        // tls wins; ssl true must verify, false still takes TLS when offered; absent is the function's default.
        private TlsSettings TlsOf(DatabaseSecret secret)
        {
            var fallback = _handler._options.DefaultTls;
            return secret.Tls is { } tls
                ? _handler._validator.TlsFor(tls, "tls")
                : secret.Ssl switch
                {
                    true => new TlsSettings(TlsMode.VerifyFull, fallback.TrustedAuthorities),
                    false => new TlsSettings(TlsMode.Prefer, fallback.TrustedAuthorities),
                    null => fallback,
                };
        }

        private DatabaseEndpoint Attempt(DatabaseEndpoint endpoint) =>
            endpoint with { ConnectTimeout = _budget.NextAttemptTimeout(_handler._options.MaximumConnectTimeout) };

        private async Task<bool> LogsInAsync(IDatabaseEngine engine, DatabaseEndpoint endpoint)
        {
            try
            {
                await engine.VerifyLoginAsync(Attempt(endpoint), endpoint.ManagingUser, _cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RotationFailedException failure) when (failure.Kind != RotationFailureKind.Timeout)
            {
                // Not set yet (or the server is unreachable, which the change itself reports with its retries).
                _log.Debug("pending credentials do not log in yet", LogField.Of("failure", failure.Kind.ToString()));
                return false;
            }
        }

        private Task OnDatabaseAsync(Func<CancellationToken, Task> step) =>
            OnDatabaseAsync<bool>(async ct =>
            {
                await step(ct).ConfigureAwait(false);
                return true;
            });

        private Task<T> OnDatabaseAsync<T>(Func<CancellationToken, Task<T>> step) =>
            DatabaseRetry.RunAsync(step, _handler._options.RetryDelays, _budget, _log, _cancellationToken);

        private async Task<T> CallAsync<T>(Func<SecretsManagerClient, Task<T>> call)
            where T : class =>
            await CallAsync(call, missingIsNull: false).ConfigureAwait(false)
            ?? throw new InvalidOperationException("a missing resource was not reported");

        private async Task<T?> CallAsync<T>(Func<SecretsManagerClient, Task<T>> call, bool missingIsNull)
            where T : class
        {
            SecretsManagerClient client;
            try
            {
                client = _handler._client.Value;
            }
            catch (SecretsManagerConfigurationException config)
            {
                throw Fail($"cannot call Secrets Manager: {config.Message}", "set the function's AWS environment (Lambda sets it)");
            }

            try
            {
                return await call(client).ConfigureAwait(false);
            }
            catch (SecretsManagerException missing) when (missingIsNull && missing.ErrorCode == "ResourceNotFoundException")
            {
                return null;
            }
            catch (SecretsManagerException service)
            {
                throw Fail(service.Message, ServiceAdvice(service));
            }
        }

        private static string ServiceAdvice(SecretsManagerException service) => service.ErrorCode switch
        {
            "AccessDeniedException" =>
                $"the function's execution role needs secretsmanager:{service.Operation} on this secret (and kms:Decrypt on its key, if it has its own)",
            "UnrecognizedClientException" or "InvalidSignatureException" or "IncompleteSignatureException" or "ExpiredTokenException" or "InvalidClientTokenId" =>
                "Secrets Manager refused the function's AWS credentials; check AWS_REGION and that AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are the role's current ones (Lambda sets them)",
            "RequestTimeout" or "ConnectionFailure" =>
                "check that the function can reach Secrets Manager (its VPC endpoint, and a security group that allows HTTPS from the function)",
            "ResourceNotFoundException" => "check the secret's id and that the version exists",
            _ => "Secrets Manager retries the rotation",
        };

        /// <summary>The failure an exception out of a step stands for; null for a bug, which escapes as it is.</summary>
        public RotationStepException? Describe(Exception exception) => exception switch
        {
            RotationStepException already => already,
            RotationFailedException database => Fail(database.Message, "AWSCURRENT is unchanged; Secrets Manager retries the rotation"),
            OperationCanceledException when _cancellationToken.IsCancellationRequested => Fail(
                $"the step did not finish before the function's deadline while {_doing ?? "starting"}",
                "raise the function timeout, and check that the database and Secrets Manager answer"),
            InvalidRequestException invalid => Fail(invalid.Message, "fix the secret's fields (docs/secrets-manager.md)"),
            _ => null,
        };

        private RotationStepException Fail(string problem, string advice)
        {
            var where = _database is null ? "" : $" for {_database}";
            return new RotationStepException(_redactor.Redact($"{_stepName} of secret {_event.SecretId} failed{where}: {problem}; {advice}"));
        }
    }
}
