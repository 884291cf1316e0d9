using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using EscRotators.Adapter;
using EscRotators.Rotation;
using EscRotators.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EscRotators.Server;

/// <summary>
/// Transport 2: Kestrel (slim builder) in front of <see cref="ExternalRotationAdapter"/>. HTTPS only unless told
/// otherwise; <c>GET /healthz</c>; one JSON access-log line per request (method, path, status, subject, duration,
/// never the token or the body); SIGTERM lets rotations in flight finish within their time budget.
/// </summary>
internal sealed class RotationServer
{
    private const string HealthPath = "/healthz";
    private static readonly byte[] HealthBody = "{\"status\":\"ok\"}"u8.ToArray();

    private readonly ServerOptions _options;
    private readonly AdapterOptions _adapterOptions;
    private readonly ExternalRotationAdapter _adapter;
    private readonly RotatorLogger _logger;
    private readonly TimeProvider _time;
    private long _requests;

    public RotationServer(ServerOptions options, ExternalRotationAdapter adapter, RotatorLogger logger, TimeProvider time)
    {
        _options = options;
        _adapterOptions = adapter.Options;
        _adapter = adapter;
        _logger = logger;
        _time = time;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });

        // Our own JSON lines are the log; the framework's console logger would add unstructured ones.
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = _options.RotationTimeout + TimeSpan.FromSeconds(5));
        using var certificate = LoadCertificate();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;

            // Read one byte past the limit ourselves so the adapter answers 413 with its JSON body.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxRequestHeadersTotalSize = 64 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            Listen(kestrel, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
        });

        await using var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(stoppingToken).ConfigureAwait(false);
        _logger.Info(
            "listening",
            LogField.Of("address", $"{(certificate is null ? "http" : "https")}://{_options.Host}:{_options.Port}"),
            LogField.Of("audience", _adapterOptions.Audience),
            LogField.Of("rotationTimeoutSeconds", (long)_options.RotationTimeout.TotalSeconds));
        await app.WaitForShutdownAsync(stoppingToken).ConfigureAwait(false);
        _logger.Info("stopped", LogField.Of("requests", Interlocked.Read(ref _requests)));
    }

    private X509Certificate2? LoadCertificate()
    {
        if (_options.InsecureHttp)
        {
            _logger.Warn("serving plain HTTP (--insecure-http): only behind a proxy that terminates TLS");
            return null;
        }

        // ServerCommandLine requires both files unless --insecure-http.
        return _options is { CertificatePath: { } certificate, KeyPath: { } key }
            ? X509Certificate2.CreateFromPemFile(certificate, key)
            : throw new InvalidOperationException("no certificate and key to serve HTTPS with");
    }

    private void Listen(KestrelServerOptions kestrel, Action<ListenOptions> configure)
    {
        switch (_options.Host)
        {
            case "*" or "0.0.0.0" or "::" or "+":
                kestrel.ListenAnyIP(_options.Port, configure);
                break;
            case "localhost":
                kestrel.ListenLocalhost(_options.Port, configure);
                break;
            default:
                kestrel.Listen(IPAddress.Parse(_options.Host), _options.Port, configure);
                break;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = "http-" + Interlocked.Increment(ref _requests).ToString(System.Globalization.CultureInfo.InvariantCulture);
        int status;
        string? subject = null;
        if (context.Request.Path.Equals(HealthPath, StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method))
        {
            status = 200;
            await WriteAsync(context, status, HealthBody).ConfigureAwait(false);
        }
        else
        {
            var response = await AnswerAsync(context, requestId).ConfigureAwait(false);
            status = response.StatusCode;
            subject = response.Subject;
            await WriteAsync(context, status, response.Body).ConfigureAwait(false);
        }

        _logger.ForRequest(requestId).Info(
            "access",
            LogField.Of("method", Printable(context.Request.Method)),
            LogField.Of("path", Printable(context.Request.Path.Value ?? "")),
            LogField.Of("status", status),
            LogField.Of("subject", subject),
            LogField.Of("durationMs", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
    }

    private async Task<AdapterResponse> AnswerAsync(HttpContext context, string requestId)
    {
        // The rotation budget plays the Lambda deadline: the work stops a little before it so the answer is on time.
        var budget = InvocationBudget.StartingNow(_options.RotationTimeout, _time);
        using var replyDue = budget.CancelWhenReplyIsDue();
        var body = await ReadBodyAsync(context.Request, _adapterOptions.MaxBodyBytes + 1, replyDue.Token).ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (context.Request.Headers.ContentType.ToString() is { Length: > 0 } contentType)
        {
            headers["content-type"] = contentType;
        }

        if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            headers["authorization"] = authorization;
        }

        try
        {
            return await _adapter.HandleAsync(new AdapterRequest(context.Request.Method, headers, body), requestId, budget, replyDue.Token)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A bug: where it happened goes to the log (the dispatcher has logged its own), never the message.
            if (ex is not UnexpectedRotatorException)
            {
                _logger.ForRequest(requestId).Error(
                    "unexpected failure",
                    LogField.Of("exception", ex.GetType().FullName),
                    LogField.Of("stackTrace", ex.StackTrace));
            }

            return new AdapterResponse(500, "{\"error\":\"internal error; the server's log has the details\"}"u8.ToArray(), null);
        }
    }

    // Up to `limit` bytes: a larger body is cut there and the adapter answers 413 without reading the rest.
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length && length >= limit)
        {
            return new byte[limit];
        }

        var buffer = new byte[Math.Min(limit, (int)(request.ContentLength ?? 16 * 1024))];
        var filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length == limit)
                {
                    return buffer;
                }

                Array.Resize(ref buffer, Math.Min(limit, buffer.Length * 2));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return filled == buffer.Length ? buffer : buffer[..filled];
            }

            filled += read;
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = AdapterResponse.ContentType;
        context.Response.ContentLength = body.Length;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(body).ConfigureAwait(false);
    }

    private static string Printable(string text) => PrintableText.Shorten(text, 100);
}
