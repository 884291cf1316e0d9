using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Lambda;
using EscRotators.LocalRuntime;
using EscRotators.Tests.Adapter;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// The adapter as ESC reaches it, over either transport, configured like a deployment: a JWKS URL on a local HTTPS
/// endpoint, the audience, an allow-list. Sends raw requests and keeps the process log.
/// </summary>
internal sealed class AdapterEndpoint : IAsyncDisposable
{
    public const string Audience = "https://abc123.lambda-url.us-west-2.on.aws/";
    public const string AllowedSubjects = "pulumi:environments:org:acme:env:db/*";

    private readonly ServerProcess? _server;
    private readonly LambdaProcess? _lambda;
    private readonly HttpClient? _client;

    private AdapterEndpoint(AdapterTransport transport, ServerProcess? server, LambdaProcess? lambda, HttpClient? client)
    {
        Transport = transport;
        _server = server;
        _lambda = lambda;
        _client = client;
    }

    public AdapterTransport Transport { get; }

    public ServerProcess? Server => _server;

    /// <summary>Everything the process logged so far.</summary>
    public string Log => _server?.Log ?? PublishedLambda.Log(_lambda!);

    /// <summary>
    /// The log once it holds <paramref name="text"/>, or as it stands after five seconds: the process reads its own
    /// output asynchronously, so a line written while the reply is sent may arrive just after it.
    /// </summary>
    public async Task<string> LogOnceItContainsAsync(string text)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!Log.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < until)
        {
            await Task.Delay(20);
        }

        return Log;
    }

    public static Dictionary<string, string> Environment(Uri jwksUrl, LoopbackCertificate tls) => new(StringComparer.Ordinal)
    {
        ["ESC_ROTATOR_AUDIENCE"] = Audience,
        ["ESC_ROTATOR_JWKS_URL"] = jwksUrl.ToString(),
        ["ESC_ROTATOR_JWKS_CA_BUNDLE"] = tls.CertificatePath,
        ["ESC_ROTATOR_ALLOWED_SUBJECTS"] = AllowedSubjects,
    };

    public static async Task<AdapterEndpoint> StartAsync(AdapterTransport transport, IReadOnlyDictionary<string, string> environment, LoopbackCertificate tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        if (transport == AdapterTransport.Server)
        {
            var server = await ServerProcess.StartAsync(environment, ["--tls-cert", tls.CertificatePath, "--tls-key", tls.KeyPath]);
            var client = new HttpClient(tls.TrustingHandler()) { BaseAddress = server.Url, Timeout = TimeSpan.FromSeconds(60) };
            return new AdapterEndpoint(transport, server, null, client);
        }

        // Function URLs allow up to 15 minutes; 10 s here keeps a slow TLS handshake to the database on time.
        var lambda = await PublishedLambda.StartAsync(environment, TimeSpan.FromSeconds(10));
        return new AdapterEndpoint(transport, null, lambda, null);
    }

    /// <summary>Sends one request and returns what came back; never throws for an HTTP status.</summary>
    public async Task<AdapterReply> SendAsync(string method, string? authorization, string? contentType, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (_client is not null)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), "/");
            if (method != "GET" || body.Length > 0)
            {
                request.Content = new ByteArrayContent(body);
                if (contentType is not null)
                {
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                }
            }

            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await _client.SendAsync(request);
            return new AdapterReply((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        }

        var headers = new JsonObject { ["host"] = "abc123.lambda-url.us-west-2.on.aws", ["user-agent"] = "pulumi-esc" };
        if (contentType is not null)
        {
            headers["content-type"] = contentType;
        }

        if (authorization is not null)
        {
            headers["authorization"] = authorization;
        }

        // What a Function URL delivers for a JSON POST: payload format 2.0, body as text.
        var evt = new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "$default",
            ["rawPath"] = "/",
            ["rawQueryString"] = "",
            ["headers"] = headers,
            ["requestContext"] = new JsonObject
            {
                ["accountId"] = "anonymous",
                ["domainName"] = "abc123.lambda-url.us-west-2.on.aws",
                ["http"] = new JsonObject { ["method"] = method, ["path"] = "/", ["protocol"] = "HTTP/1.1", ["sourceIp"] = "127.0.0.1" },
                ["requestId"] = Guid.NewGuid().ToString(),
                ["timeEpoch"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            },
            ["body"] = Encoding.UTF8.GetString(body),
            ["isBase64Encoded"] = false,
        };
        var invocation = await _lambda!.InvokeAsync(Encoding.UTF8.GetBytes(evt.ToJsonString()));
        Assert.That(invocation.Outcome, Is.EqualTo(LambdaInvocationOutcome.Response), PublishedLambda.Describe(invocation, _lambda));
        var reply = JsonNode.Parse(invocation.BodyText)!.AsObject();
        return new AdapterReply((int)reply["statusCode"]!, (string?)reply["headers"]?["content-type"], (string)reply["body"]!);
    }

    /// <summary>A correctly signed POST of <paramref name="body"/>, as ESC sends it.</summary>
    public Task<AdapterReply> PostSignedAsync(TestTokenIssuer issuer, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        return SendAsync("POST", "Bearer " + issuer.Token(Audience, body, DateTimeOffset.UtcNow), "application/json", body);
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_lambda is not null)
        {
            await _lambda.DisposeAsync();
        }
    }
}
