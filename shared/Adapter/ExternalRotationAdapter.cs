using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using EscRotators.Adapter.Jwks;
using EscRotators.Adapter.Jwt;
using EscRotators.Configuration;
using EscRotators.Logging;
using EscRotators.Protocol;
using EscRotators.Rotation;
using EscRotators.Tls;

namespace EscRotators.Adapter;

/// <summary>
/// Form C, independent of the transport: HTTP request in, HTTP response out. Refuses what is not a signed POST of
/// JSON (405, 413, 415, 401, 403, 503), then reads <c>{"request": R, "state": S}</c> straight into the typed full-rotation request and runs it
/// through the same dispatcher as every other form (validation, alternation, generator, verification login,
/// redaction, deadline). The 401 body says only <c>unauthorized</c>; the reason goes to the log. Nothing here logs
/// or echoes a token, a password or a body.
/// </summary>
public sealed class ExternalRotationAdapter
{
    public const string UnauthorizedMessage = "unauthorized";

    private static readonly AdapterJsonContext Output = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    private readonly AdapterOptions _options;
    private readonly BearerTokenValidator _validator;
    private readonly RotationDispatcher _dispatcher;
    private readonly RotatorLogger _logger;
    private readonly TimeProvider _time;

    public ExternalRotationAdapter(
        AdapterOptions options,
        BearerTokenValidator validator,
        RotationDispatcher dispatcher,
        RotatorLogger logger,
        TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(dispatcher);
        _options = options;
        _validator = validator;
        _dispatcher = dispatcher;
        _logger = logger;
        _time = time;
    }

    /// <summary>The settings it was built with (read once, by the composition root); the HTTPS server sizes its reads by them.</summary>
    public AdapterOptions Options => _options;

    /// <summary>
    /// Wires the adapter from its options: the JWKS source they name (file, else HTTPS URL checked against
    /// <paramref name="systemTrust"/> or <see cref="AdapterOptions.JwksAuthorities"/>), the key cache and the replay cache.
    /// </summary>
    public static ExternalRotationAdapter Create(
        AdapterOptions options,
        RotationDispatcher dispatcher,
        RotatorLogger logger,
        SystemTrustStore? systemTrust,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        IJwksSource source = options.JwksFile is { } file
            ? new JwksFileSource(file)
            : HttpSource(options, systemTrust);
        var keys = new SigningKeyStore(source, options, time, logger);
        var validator = new BearerTokenValidator(options, keys, new ReplayCache(options.ReplayCacheCapacity, time), time);
        return new ExternalRotationAdapter(options, validator, dispatcher, logger, time);
    }

    // A JWKS URL that is not https is a configuration error, reported at start-up with the others.
    private static JwksHttpSource HttpSource(AdapterOptions options, SystemTrustStore? systemTrust)
    {
        try
        {
            return new JwksHttpSource(options.JwksUrl, options.JwksFetchTimeout, new TlsSettings(TlsMode.VerifyFull, options.JwksAuthorities), systemTrust);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidConfigurationException(ex.Message, ex);
        }
    }

    /// <summary>
    /// Answers one request within <paramref name="budget"/>; <paramref name="cancellationToken"/> fires when the answer
    /// must be sent. A bug escapes as <see cref="UnexpectedRotatorException"/> (logged by the dispatcher) or as
    /// the original exception when it happened in the adapter itself.
    /// </summary>
    public async Task<AdapterResponse> HandleAsync(
        AdapterRequest request,
        string? requestId,
        InvocationBudget budget,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(budget);
        var log = _logger.ForRequest(requestId);
        if (!string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return Refused(log, 405, "method not allowed: the rotation request is a POST", $"method {PrintableText.Quote(request.Method, 16)}");
        }

        if (request.Body.Length > _options.MaxBodyBytes)
        {
            return Refused(log, 413, $"request body larger than {_options.MaxBodyBytes} bytes", $"body of {request.Body.Length} bytes");
        }

        if (!IsJson(request.Header("content-type")))
        {
            return Refused(log, 415, "the content type must be application/json", "content type is not application/json");
        }

        var check = await _validator.CheckAsync(request.Header("authorization"), request.Body, cancellationToken).ConfigureAwait(false);
        switch (check.Verdict)
        {
            case TokenVerdict.Unauthorized:
                return Refused(log, 401, UnauthorizedMessage, check.Reason, check.Subject);
            case TokenVerdict.Forbidden:
                return Refused(log, 403, "forbidden: this token's subject may not rotate here", check.Reason, check.Subject);
            case TokenVerdict.KeysUnavailable:
                return Refused(log, 503, "the token signing keys could not be loaded; try again later", check.Reason);
        }

        log.Info("request authenticated", LogField.Of("subject", check.Subject));
        ExternalRotationBody? body;
        try
        {
            body = JsonSerializer.Deserialize(request.Body.Span, AdapterJsonContext.Default.ExternalRotationBody);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            // System.Text.Json's own messages can quote input; the path and position cannot hold a secret.
            var where = ex is JsonException { Path: { Length: > 1 } path } ? $" at {path}" : "";
            return Failed(log, $"malformed request: not valid JSON, or a value of the wrong type{where}; the body is {{\"request\": {{...}}, \"state\": null | {{...}}}}", check.Subject);
        }

        if (body?.Request is not { } rotation)
        {
            return Failed(log, "malformed request: the body must be a JSON object with a \"request\" object", check.Subject);
        }

        // Read straight into the typed request; the same checks as Form B's inputs, then the one rotation path.
        var current = body.State is { } state && (state.Username is not null || state.Password is not null)
            ? new StoredCredential(state.Username, state.Password)
            : null;
        var result = await _dispatcher.RotateAsync(
            rotation.Type,
            (validator, requiresDatabase) => validator.ValidateFullRotation(
                rotation.Database, rotation.RotateUsers, rotation.PasswordPolicy, current, previous: null, requiresDatabase),
            requestId,
            budget,
            cancellationToken).ConfigureAwait(false);
        if (result.State is not { } rotated)
        {
            // The dispatcher has logged the failure; its message is already redacted.
            return new AdapterResponse(400, Error(result.Error ?? "the rotation returned no credentials"), check.Subject);
        }

        var response = new ExternalRotationResponse
        {
            Username = rotated.Current.Username,
            Password = rotated.Current.Password,
            Previous = rotated.Previous is { } previous ? new WireCredentials { Username = previous.Username, Password = previous.Password } : null,
            RotatedAt = _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        return new AdapterResponse(200, JsonSerializer.SerializeToUtf8Bytes(response, Output.ExternalRotationResponse), check.Subject);
    }

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return mediaType.Equals(AdapterResponse.ContentType, StringComparison.OrdinalIgnoreCase);
    }

    private static AdapterResponse Refused(RotatorLogger log, int status, string message, string reason, string? subject = null)
    {
        log.Warn("request refused", LogField.Of("status", status), LogField.Of("reason", reason), LogField.Of("subject", subject));
        return new AdapterResponse(status, Error(message), subject);
    }

    private static AdapterResponse Failed(RotatorLogger log, string message, string? subject)
    {
        log.Warn("request rejected", LogField.Of("status", 400), LogField.Of("error", message), LogField.Of("subject", subject));
        return new AdapterResponse(400, Error(message), subject);
    }

    private static byte[] Error(string message) =>
        JsonSerializer.SerializeToUtf8Bytes(new AdapterError { Error = message }, Output.AdapterError);
}

/// <summary>An HTTP request as the adapter sees it, whichever transport carried it.</summary>
public sealed class AdapterRequest
{
    public AdapterRequest(string method, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(headers);
        Method = method;
        Headers = headers;
        Body = body;
    }

    public string Method { get; }

    /// <summary>Header values by name; the transport supplies a case-insensitive dictionary.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The raw body bytes, exactly as signed (<c>body_hash</c>).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The adapter's answer: a status and a JSON body, plus the token subject for the access log.</summary>
public sealed class AdapterResponse
{
    public const string ContentType = "application/json";

    public AdapterResponse(int statusCode, byte[] body, string? subject)
    {
        StatusCode = statusCode;
        Body = body;
        Subject = subject;
    }

    public int StatusCode { get; }

    /// <summary>UTF-8 JSON: Form C's response on 200, <c>{"error":"..."}</c> otherwise.</summary>
    public byte[] Body { get; }

    /// <summary>The verified token's <c>sub</c>; null when the token was not verified.</summary>
    public string? Subject { get; }
}
