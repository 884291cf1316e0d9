using EscRotators.Configuration;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Passwords;
using EscRotators.Planning;
using EscRotators.Protocol;
using EscRotators.Rotation;
using EscRotators.Validation;

namespace EscRotators.Dispatch;

/// <summary>
/// The one path from payload to reply, shared by the Lambda loop and <c>bootstrap invoke</c>:
/// read JSON → pick the engine by <c>type</c> → validate → rotate. Every expected failure becomes a 400 reply;
/// only a bug escapes as an exception (a Lambda function error).
/// </summary>
public sealed class RotationDispatcher
{
    private const int MaxEchoedTypeLength = 40;

    private readonly Dictionary<string, IDatabaseEngine> _engines;
    private readonly RequestValidator _validator;
    private readonly PasswordRotation _rotation;
    private readonly RotatorLogger _logger;

    public RotationDispatcher(IEnumerable<IDatabaseEngine> engines, RotatorOptions options, RotatorLogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(options);
        _engines = engines.ToDictionary(e => e.Type, StringComparer.OrdinalIgnoreCase);
        _validator = new RequestValidator(options.DefaultTls);
        _rotation = new PasswordRotation(options, new RotationPlanner(), new PasswordGenerator(), timeProvider ?? TimeProvider.System);
        _logger = logger;
    }

    /// <summary>Handles one event; <paramref name="cancellationToken"/> fires when the reply must be sent.</summary>
    public async Task<RotationReply> DispatchAsync(
        ReadOnlyMemory<byte> payload,
        string? requestId,
        DateTimeOffset deadline,
        CancellationToken cancellationToken)
    {
        var log = _logger.ForRequest(requestId);
        RotationRequest request;
        IDatabaseEngine engine;
        try
        {
            var evt = EventReader.Read(payload.Span);
            var type = evt.Type?.Trim() ?? "";
            if (!_engines.TryGetValue(type, out engine!))
            {
                return Rejected(log, UnknownType(type));
            }

            request = _validator.Validate(evt, engine.Type);
        }
        catch (InvalidRequestException ex)
        {
            return Rejected(log, ex.Message);
        }

        return await _rotation.RunAsync(request, engine, deadline, log, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><see cref="DispatchAsync"/> with the reply serialised, as the Lambda runtime sends it.</summary>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(
        ReadOnlyMemory<byte> payload,
        string? requestId,
        DateTimeOffset deadline,
        CancellationToken cancellationToken)
    {
        try
        {
            var reply = await DispatchAsync(payload, requestId, deadline, cancellationToken).ConfigureAwait(false);
            return ReplySerializer.Serialize(reply);
        }
        catch (Exception ex)
        {
            // A bug: log where it happened (stack traces hold no input), never the message (it might).
            _logger.ForRequest(requestId).Error(
                "unexpected failure",
                LogField.Of("exception", ex.GetType().FullName),
                LogField.Of("stackTrace", ex.StackTrace));
            throw new UnexpectedRotatorException($"internal error ({ex.GetType().Name}); the rotator's log has the stack trace", ex);
        }
    }

    // The contract's wording is "unknown event type <type>"; the echo is bounded and kept printable.
    private static string UnknownType(string type)
    {
        if (type.Length == 0)
        {
            return "unknown event type : \"type\" must be \"mysql\" or \"postgres\"";
        }

        var shown = type.Length > MaxEchoedTypeLength ? type[..MaxEchoedTypeLength] + "…" : type;
        shown = new string(shown.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return $"unknown event type {shown}";
    }

    private static RotationReply Rejected(RotatorLogger log, string message)
    {
        log.Warn("request rejected", LogField.Of("outcome", "rejected"), LogField.Of("error", message));
        return RotationReply.BadRequest(message);
    }
}
