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
        EngineTypes = EngineTypeList.Describe(_engines.Values.Select(e => e.Engine.Type));
    }

    /// <summary>The accepted <c>type</c> values as a sentence: <c>"mysql" or "postgres"</c>.</summary>
    public string EngineTypes { get; }

    /// <summary>
    /// Rotates for an event already parsed (the HTTPS adapter's entry); returns the reply unserialised.
    /// <paramref name="cancellationToken"/> fires when the reply must be sent.
    /// </summary>
    public Task<RotationReply> RotateAsync(
        RotationEvent evt,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return GuardAsync(log => RotateParsedAsync(evt, log, budget, cancellationToken), requestId);
    }

    /// <summary>Parses <paramref name="payload"/> (a malformed one is a 400 reply) and rotates; returns the reply unserialised.</summary>
    public Task<RotationReply> RotateAsync(
        ReadOnlyMemory<byte> payload,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        ReadAndRotateAsync(() => EventReader.Read(payload.Span), requestId, budget, cancellationToken);

    /// <summary>
    /// Rotates for a payload the host has parsed already (it told the event's kind from the same parse); a malformed
    /// event is a 400 reply. Returns the reply unserialised.
    /// </summary>
    public Task<RotationReply> RotateAsync(
        JsonElement root,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        ReadAndRotateAsync(() => EventReader.Read(root), requestId, budget, cancellationToken);

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
        CancellationToken cancellationToken)
    {
        var reply = await RotateAsync(payload, requestId, budget, cancellationToken).ConfigureAwait(false);
        return ReplySerializer.Serialize(reply);
    }

    // Reading is inside the guard, so a bug in it is logged like any other; a malformed event is a 400.
    private Task<RotationReply> ReadAndRotateAsync(
        Func<RotationEvent> read,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken) =>
        GuardAsync(
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

                return RotateParsedAsync(evt, log, budget, cancellationToken);
            },
            requestId);

    private async Task<RotationReply> RotateParsedAsync(RotationEvent evt, RotatorLogger log, InvocationBudget budget, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(budget);
        var type = evt.Type?.Trim() ?? "";
        if (!_engines.TryGetValue(type, out var registration))
        {
            return Rejected(log, UnknownType(type));
        }

        RotationRequest request;
        try
        {
            request = _validator.Validate(evt, registration.RequiresDatabase);
        }
        catch (InvalidRequestException ex)
        {
            return Rejected(log, ex.Message);
        }

        return await _rotation.RunAsync(request, registration.Engine, budget, log, cancellationToken).ConfigureAwait(false);
    }

    // The one catch-all for bugs: log where it happened (stack traces hold no input), never the message (it might).
    private async Task<RotationReply> GuardAsync(Func<RotatorLogger, Task<RotationReply>> rotate, string? requestId)
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

    private static RotationReply Rejected(RotatorLogger log, string message)
    {
        log.Warn("request rejected", LogField.Of("outcome", "rejected"), LogField.Of("error", message));
        return RotationReply.BadRequest(message);
    }
}

/// <summary>An engine the dispatcher serves, with what its requests must carry.</summary>
/// <param name="Engine">Serves events whose <c>type</c> is <see cref="IDatabaseEngine.Type"/>.</param>
/// <param name="RequiresDatabase">
/// Whether <c>database</c> is required: PostgreSQL logs in to a database; MySQL's <c>ALTER USER</c> needs none.
/// </param>
public sealed record EngineRegistration(IDatabaseEngine Engine, bool RequiresDatabase);
