using System.Text;
using System.Text.Json.Nodes;
using EscRotators.Adapter;
using EscRotators.Adapter.Jwks;
using EscRotators.Adapter.Jwt;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Logging;
using EscRotators.Tests.Adapter;
using EscRotators.UnitTests.Rotation;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Adapter;

/// <summary>The adapter in process over fake engines, a fake clock and an in-memory JWKS; the log is captured.</summary>
internal sealed class AdapterHarness : IDisposable
{
    public const string Audience = "https://abc123.lambda-url.us-west-2.on.aws/";

    public AdapterHarness(AdapterOptions? options = null)
    {
        Options = options ?? new AdapterOptions { Audience = Audience };
        Source = new InMemoryJwksSource(Issuer.Jwks());
        var logger = new RotatorLogger(new LogSink(Log, LogFormat.Text, LogLevel.Debug));
        Keys = new SigningKeyStore(Source, Options, Time, logger);
        var validator = new BearerTokenValidator(Options, Keys, new ReplayCache(Options.ReplayCacheCapacity, Time), Time);
        var rotatorOptions = new RotatorOptions { RetryDelays = [TimeSpan.FromMilliseconds(1)] };
        var dispatcher = new RotationDispatcher([MySql.Registration, new FakeEngine("postgres").Registration], rotatorOptions, logger);
        Adapter = new ExternalRotationAdapter(Options, validator, dispatcher, logger, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero));

    public TestTokenIssuer Issuer { get; } = new();

    public AdapterOptions Options { get; }

    public InMemoryJwksSource Source { get; }

    public SigningKeyStore Keys { get; }

    public FakeEngine MySql { get; } = new();

    public StringWriter Log { get; } = new();

    public ExternalRotationAdapter Adapter { get; }

    public static byte[] Body(JsonNode? state = null) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["request"] = new JsonObject
        {
            ["type"] = "mysql",
            ["database"] = new JsonObject
            {
                ["host"] = "db.internal",
                ["port"] = 3306,
                ["database"] = "app",
                ["managingUser"] = new JsonObject { ["username"] = "managing_user", ["password"] = "managing-secret-1234" },
            },
            ["rotateUsers"] = new JsonObject { ["username1"] = "user1", ["username2"] = "user2" },
        },
        ["state"] = state,
    }.ToJsonString());

    public string Token(byte[] body) => Issuer.Token(Audience, body, Time.GetUtcNow());

    public Task<AdapterResponse> PostAsync(byte[] body, string? authorization, string contentType = "application/json", string method = "POST")
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["content-type"] = contentType };
        if (authorization is not null)
        {
            headers["authorization"] = authorization;
        }

        return Adapter.HandleAsync(new AdapterRequest(method, headers, body), "req-1", InvocationBudget.StartingNow(TimeSpan.FromSeconds(30), TimeProvider.System), CancellationToken.None);
    }

    public void Dispose() => Issuer.Dispose();
}
