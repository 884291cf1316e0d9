using System.Text.Json;
using EscRotators.Configuration;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Protocol;

namespace EscRotators.Rotation;

/// <summary>
/// The one path from event to reply, shared by every entry point (Lambda loop, <c>bootstrap invoke</c>, the HTTPS
/// adapter): pick the engine by <c>type</c> → validate → rotate. Every expected failure becomes a 400 reply; a bug
/// is logged here, once, and escapes as <see cref="UnexpectedRotatorException"/> (a Lambda function error).
/// Build it through the composition root (<c>RotatorComposition</c>), which holds the engine list.
/// </summary>
public sealed class RotationDispatcher
{
    private const int MaxEchoedTypeLength = 40;

    private readonly Dictionary<string, EngineRegistration> _engines;
    private readonly RequestValidator _validator;
    private readonly PasswordRotation _rotation;
    private readonly RotatorLogger _logger;

    public RotationDispatcher(IEnumerable<EngineRegistration> engines, RotatorOptions options, RotatorLogger logger)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _engines = engines.ToDictionary(e => e.Engine.Type, StringComparer.OrdinalIgnoreCase);
        _validator = new RequestValidator(options.DefaultTls);
        _rotation = new PasswordRotation(options, new RotationPlanner(), new PasswordGenerator());
        _logger = logger;
        EngineTypes = Describe(_engines.Values.Select(e => e.Engine.Type));
    }

    /// <summary>The accepted <c>type</c> values as a sentence: <c>"mysql" or "postgres"</c>.</summary>
    public string EngineTypes { get; }

    /// <summary>Parses <paramref name="payload"/> as Form A or B (a malformed one is a 400 reply) and rotates; returns the reply unserialised.</summary>
    public Task<RotationReply> RotateAsync(
        ReadOnlyMemory<byte> payload,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        RotateEventAsync(() => RotationEvent.Read(payload.Span), requestId, budget, cancellationToken);

    /// <summary>
    /// Rotates for a Form A or B payload the host has parsed already (it told the event's kind from the same parse);
    /// a malformed event is a 400 reply. Returns the reply unserialised.
    /// </summary>
    public Task<RotationReply> RotateAsync(
        JsonElement root,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        RotateEventAsync(() => RotationEvent.Read(root), requestId, budget, cancellationToken);

    /// <summary><see cref="RotateAsync(JsonElement, string?, InvocationBudget, CancellationToken)"/>, with the reply serialised as the Lambda runtime sends it.</summary>
    public async Task<ReadOnlyMemory<byte>> RotateToJsonAsync(
        JsonElement root,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        ReplySerializer.Serialize(await RotateAsync(root, requestId, budget, cancellationToken).ConfigureAwait(false));

    /// <summary><see cref="RotateAsync(ReadOnlyMemory{byte}, string?, InvocationBudget, CancellationToken)"/>, with the reply serialised to JSON as the Lambda runtime sends it.</summary>
    public async Task<ReadOnlyMemory<byte>> RotateToJsonAsync(
        ReadOnlyMemory<byte> payload,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        ReplySerializer.Serialize(await RotateAsync(payload, requestId, budget, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Rotates for a form whose wire shape the caller has parsed (the HTTPS adapter's Form C): the engine is chosen by
    /// <paramref name="type"/>, then <paramref name="validate"/> turns the caller's fields into the typed request (an
    /// <see cref="InvalidRequestException"/> is a rejected result). <paramref name="cancellationToken"/> fires when
    /// the reply must be sent.
    /// </summary>
    public Task<RotationResult> RotateAsync(
        string? type,
        RequestValidation validate,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(validate);
        return GuardAsync(log => RotateValidatedAsync(type, validate, log, budget, cancellationToken), requestId);
    }

    // Reading is inside the guard, so a bug in it is logged like any other; a malformed event is a 400.
    private async Task<RotationReply> RotateEventAsync(
        Func<RotationEvent> read,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        var result = await GuardAsync(
            log =>
            {
                RotationEvent evt;
                try
                {
                    evt = read();
                }
                catch (InvalidRequestException ex)
                {
                    return Task.FromResult(Rejected(log, ex.Message));
                }

                return RotateValidatedAsync(evt.Type, (validator, requiresDatabase) => validator.Validate(evt, requiresDatabase), log, budget, cancellationToken);
            },
            requestId).ConfigureAwait(false);
        return RotationReply.From(result);
    }

    private async Task<RotationResult> RotateValidatedAsync(
        string? type,
        RequestValidation validate,
        RotatorLogger log,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        type = type?.Trim() ?? "";
        if (!_engines.TryGetValue(type, out var registration))
        {
            return Rejected(log, UnknownType(type));
        }

        RotationRequest request;
        try
        {
            request = validate(_validator, registration.RequiresDatabase);
        }
        catch (InvalidRequestException ex)
        {
            return Rejected(log, ex.Message);
        }

        return await _rotation.RunAsync(request, registration.Engine, budget, log, cancellationToken).ConfigureAwait(false);
    }

    // The one catch-all for bugs: log where it happened (stack traces hold no input), never the message (it might).
    private async Task<RotationResult> GuardAsync(Func<RotatorLogger, Task<RotationResult>> rotate, string? requestId)
    {
        var log = _logger.ForRequest(requestId);
        try
        {
            return await rotate(log).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            log.Error(
                "unexpected failure",
                LogField.Of("exception", ex.GetType().FullName),
                LogField.Of("stackTrace", ex.StackTrace));
            throw new UnexpectedRotatorException($"internal error ({ex.GetType().Name}); the rotator's log has the stack trace", ex);
        }
    }

    // The contract's wording is "unknown event type <type>"; the echo is bounded and kept printable.
    private string UnknownType(string type)
    {
        if (type.Length == 0)
        {
            return $"unknown event type : \"type\" must be {EngineTypes}";
        }

        return $"unknown event type {PrintableText.Shorten(type, MaxEchoedTypeLength)}";
    }

    private static RotationResult Rejected(RotatorLogger log, string message)
    {
        log.Warn("request rejected", LogField.Of("outcome", "rejected"), LogField.Of("error", message));
        return RotationResult.Rejected(message);
    }

    // "a", "a" or "b", "a", "b" or "c": no message lists the engines by hand.
    private static string Describe(IEnumerable<string> types)
    {
        var quoted = types.Select(t => $"\"{t}\"").ToArray();
        return quoted.Length switch
        {
            0 => "(no engine)",
            1 => quoted[0],
            _ => string.Join(", ", quoted[..^1]) + " or " + quoted[^1],
        };
    }
}

/// <summary>An engine the dispatcher serves, with what its requests must carry.</summary>
/// <param name="Engine">Serves events whose <c>type</c> is <see cref="IDatabaseEngine.Type"/>.</param>
/// <param name="RequiresDatabase">
/// Whether <c>database</c> is required: PostgreSQL logs in to a database; MySQL's <c>ALTER USER</c> needs none.
/// </param>
public sealed record EngineRegistration(IDatabaseEngine Engine, bool RequiresDatabase);

/// <summary>Turns one form's parsed fields into the typed request, throwing <see cref="InvalidRequestException"/> for bad input.</summary>
/// <param name="validator">Holds the checks every form shares (endpoint, TLS, users, password policy).</param>
/// <param name="requiresDatabase">Whether the chosen engine needs <c>database</c> to log in.</param>
public delegate RotationRequest RequestValidation(RequestValidator validator, bool requiresDatabase);
