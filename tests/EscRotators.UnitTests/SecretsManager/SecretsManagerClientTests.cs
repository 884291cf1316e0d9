using System.Net;
using EscRotators.SecretsManager;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.SecretsManager;

public sealed class SecretsManagerClientTests
{
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string SessionToken = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
    private const string SecretValue = "{\"username\":\"app\",\"password\":\"Sup3r-S3cret-Value\"}";

    private static readonly DateTimeOffset Start = new(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);

    private static (SecretsManagerClient Client, ScriptedHandler Handler, FakeTimeProvider Time) Create(
        Func<SecretsManagerClientOptions, SecretsManagerClientOptions>? configure = null, Func<double>? jitter = null)
    {
        var handler = new ScriptedHandler();
        var time = new FakeTimeProvider(Start);
        var options = new SecretsManagerClientOptions("eu-west-1", new AwsCredentials("AKIDEXAMPLE", SecretKey, SessionToken),
            new Uri("https://secretsmanager.eu-west-1.amazonaws.com/"));
        options = configure?.Invoke(options) ?? options;
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        return (new SecretsManagerClient(http, options, time, jitter ?? (() => 1.0)), handler, time);
    }

    /// <summary>Advances the fake clock in small steps until <paramref name="task"/> completes (or a bound is hit).</summary>
    private static async Task<T> RunAsync<T>(Task<T> task, FakeTimeProvider time, TimeSpan step, int maxSteps = 1000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.Yield();
            await Task.Delay(1);
            if (!task.IsCompleted)
            {
                time.Advance(step);
            }
        }
        return await task;
    }

    [Test]
    public async Task Request_carries_target_content_type_date_token_and_a_signature_over_them()
    {
        var (client, handler, _) = Create();
        handler.Answer(HttpStatusCode.OK, "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:1:secret:db\",\"Name\":\"db\",\"VersionId\":\"v1\",\"SecretString\":\"x\",\"VersionStages\":[\"AWSCURRENT\"],\"CreatedDate\":1.523477145713E9}");

        var response = await client.GetSecretValueAsync(new GetSecretValueRequest("db") { VersionStage = "AWSCURRENT" }, CancellationToken.None);

        var (request, body) = handler.Received.Single();
        Assert.Multiple(() =>
        {
            Assert.That(response.VersionId, Is.EqualTo("v1"));
            Assert.That(response.CreatedDate, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(1523477145713)));
            Assert.That(request.Method, Is.EqualTo(HttpMethod.Post));
            Assert.That(request.RequestUri, Is.EqualTo(new Uri("https://secretsmanager.eu-west-1.amazonaws.com/")));
            Assert.That(request.Headers.GetValues("x-amz-target").Single(), Is.EqualTo("secretsmanager.GetSecretValue"));
            Assert.That(request.Content!.Headers.ContentType!.ToString(), Is.EqualTo("application/x-amz-json-1.1"));
            Assert.That(request.Headers.GetValues("x-amz-date").Single(), Is.EqualTo("20261130T020000Z"));
            Assert.That(request.Headers.GetValues("x-amz-security-token").Single(), Is.EqualTo(SessionToken));
            Assert.That(request.Headers.GetValues("authorization").Single(), Does.StartWith(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261130/eu-west-1/secretsmanager/aws4_request, SignedHeaders="
                + "amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token;x-amz-target;x-amz-user-agent, Signature="));
            Assert.That(body, Is.EqualTo("{\"SecretId\":\"db\",\"VersionStage\":\"AWSCURRENT\"}"));
        });
    }

    [Test]
    public async Task PutSecretValue_sends_token_stages_and_rotation_token_only_when_given()
    {
        var (client, handler, _) = Create();
        handler.Answer(HttpStatusCode.OK, "{\"VersionId\":\"t1\",\"VersionStages\":[\"AWSPENDING\"]}")
            .Answer(HttpStatusCode.OK, "{\"VersionId\":\"t2\",\"VersionStages\":[\"AWSPENDING\"]}");
        var put = new PutSecretValueRequest("db", "t1", "s") { VersionStages = ["AWSPENDING"] };

        await client.PutSecretValueAsync(put with { RotationToken = "rotation-token-1" }, CancellationToken.None);
        await client.PutSecretValueAsync(put with { ClientRequestToken = "t2" }, CancellationToken.None);

        Assert.That(handler.Received[0].Body, Is.EqualTo("{\"SecretId\":\"db\",\"ClientRequestToken\":\"t1\",\"SecretString\":\"s\",\"VersionStages\":[\"AWSPENDING\"],\"RotationToken\":\"rotation-token-1\"}"));
        Assert.That(handler.Received[1].Body, Is.EqualTo("{\"SecretId\":\"db\",\"ClientRequestToken\":\"t2\",\"SecretString\":\"s\",\"VersionStages\":[\"AWSPENDING\"]}"));
    }

    [Test]
    public async Task Throttling_is_retried_with_full_jitter_exponential_backoff()
    {
        var draws = new Queue<double>([1.0, 0.5, 1.0]);
        var (client, handler, time) = Create(o => o with { BaseRetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromSeconds(10) }, () => draws.Dequeue());
        handler.Answer(HttpStatusCode.BadRequest, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}")
            .Answer(HttpStatusCode.TooManyRequests, "{}")
            .Answer(HttpStatusCode.ServiceUnavailable, "{\"__type\":\"ServiceUnavailable\"}")
            .Answer(HttpStatusCode.OK, "{\"RandomPassword\":\"pw\"}");
        var times = new List<DateTimeOffset>();

        var task = client.GetRandomPasswordAsync(new GetRandomPasswordRequest { PasswordLength = 32 }, CancellationToken.None);
        var response = await RunAsync(task, time, TimeSpan.FromMilliseconds(10));

        Assert.Multiple(() =>
        {
            Assert.That(response.RandomPassword, Is.EqualTo("pw"));
            Assert.That(handler.Received, Has.Count.EqualTo(4));
            // Waits: 1.0·100 ms, 0.5·200 ms, 1.0·400 ms = 600 ms of fake time, give or take one 10 ms step each.
            Assert.That(time.GetUtcNow() - Start, Is.InRange(TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(640)));
            Assert.That(handler.Received.Select(r => r.Request.Headers.GetValues("amz-sdk-request").Single()),
                Is.EqualTo(new[] { "attempt=1; max=4", "attempt=2; max=4", "attempt=3; max=4", "attempt=4; max=4" }));
        });
    }

    [Test]
    public void Backoff_delay_is_capped_and_scaled_by_the_draw()
    {
        var draw = 1.0;
        var (client, _, _) = Create(o => o with { BaseRetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromSeconds(1) }, () => draw);
        Assert.Multiple(() =>
        {
            Assert.That(client.BackoffDelay(1), Is.EqualTo(TimeSpan.FromMilliseconds(100)));
            Assert.That(client.BackoffDelay(3), Is.EqualTo(TimeSpan.FromMilliseconds(400)));
            Assert.That(client.BackoffDelay(10), Is.EqualTo(TimeSpan.FromSeconds(1)));
        });
        draw = 0.0;
        Assert.That(client.BackoffDelay(5), Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public async Task Retries_stop_after_max_attempts_with_the_last_error()
    {
        var (client, handler, time) = Create(o => o with { MaxAttempts = 3 });
        for (var i = 0; i < 3; i++)
        {
            handler.Answer(HttpStatusCode.InternalServerError, "{\"__type\":\"InternalServiceError\",\"message\":\"try again\"}");
        }

        var task = client.DescribeSecretAsync("db", CancellationToken.None);
        var error = await CatchAsync(RunAsync(task, time, TimeSpan.FromMilliseconds(50)));

        Assert.Multiple(() =>
        {
            Assert.That(handler.Received, Has.Count.EqualTo(3));
            Assert.That(error.ErrorCode, Is.EqualTo("InternalServiceError"));
            Assert.That(error.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(error.Message, Is.EqualTo("Secrets Manager DescribeSecret failed: InternalServiceError (HTTP 500): try again"));
        });
    }

    [Test]
    public async Task Cancellation_during_backoff_ends_the_call_at_the_deadline()
    {
        var (client, handler, time) = Create(o => o with { BaseRetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(1) });
        handler.Answer(HttpStatusCode.BadRequest, "{\"__type\":\"ThrottlingException\"}");
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(300), time);

        var task = client.DescribeSecretAsync("db", deadline.Token);
        Assert.That(async () => await RunAsync(task, time, TimeSpan.FromMilliseconds(50)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(handler.Received, Has.Count.EqualTo(1));
        Assert.That(time.GetUtcNow() - Start, Is.LessThan(TimeSpan.FromMilliseconds(400)));
    }

    [Test]
    public async Task Silent_endpoint_times_out_each_attempt_and_reports_RequestTimeout()
    {
        var (client, handler, time) = Create(o => o with { MaxAttempts = 2, AttemptTimeout = TimeSpan.FromSeconds(1), BaseRetryDelay = TimeSpan.FromMilliseconds(100) });
        handler.Silence().Silence();

        var error = await CatchAsync(RunAsync(client.DescribeSecretAsync("db", CancellationToken.None), time, TimeSpan.FromMilliseconds(50)));

        Assert.Multiple(() =>
        {
            Assert.That(error.ErrorCode, Is.EqualTo("RequestTimeout"));
            Assert.That(error.Message, Is.EqualTo("Secrets Manager DescribeSecret failed: no answer from secretsmanager.eu-west-1.amazonaws.com within 1 s"));
            Assert.That(handler.Received, Has.Count.EqualTo(2));
            Assert.That(time.GetUtcNow() - Start, Is.InRange(TimeSpan.FromMilliseconds(2100), TimeSpan.FromMilliseconds(2300)));
        });
    }

    [Test]
    public async Task Connection_failure_is_retried()
    {
        var (client, handler, time) = Create();
        handler.Fail(new HttpRequestException("Connection refused (secretsmanager.eu-west-1.amazonaws.com:443)"))
            .Answer(HttpStatusCode.OK, "{\"Name\":\"db\"}");

        var response = await RunAsync(client.DescribeSecretAsync("db", CancellationToken.None), time, TimeSpan.FromMilliseconds(10));

        Assert.That(response.Name, Is.EqualTo("db"));
        Assert.That(handler.Received, Has.Count.EqualTo(2));
    }

    [TestCase("ResourceNotFoundException", "message", "Secrets Manager can't find the specified secret.")]
    [TestCase("com.amazonaws.secretsmanager#InvalidRequestException", "Message", "You can't perform this operation on the secret because it was marked for deletion.")]
    [TestCase("ResourceExistsException:http://internal.amazon.com/coral/com.amazonaws.secretsmanager/", "message", "A resource with the ID you requested already exists.")]
    public async Task Service_errors_are_not_retried_and_name_code_status_and_message(string type, string messageMember, string text)
    {
        var (client, handler, _) = Create();
        handler.Answer(HttpStatusCode.BadRequest, $"{{\"__type\":\"{type}\",\"{messageMember}\":\"{text}\"}}");

        var error = await CatchAsync(client.DescribeSecretAsync("db", CancellationToken.None));

        var code = type.Split('#').Last().Split(':')[0];
        Assert.Multiple(() =>
        {
            Assert.That(handler.Received, Has.Count.EqualTo(1));
            Assert.That(error.ErrorCode, Is.EqualTo(code));
            Assert.That(error.Operation, Is.EqualTo("DescribeSecret"));
            Assert.That(error.Message, Is.EqualTo($"Secrets Manager DescribeSecret failed: {code} (HTTP 400): {text}"));
        });
    }

    [Test]
    public async Task Error_code_from_the_header_and_a_non_json_body_give_a_clean_message()
    {
        var (client, handler, _) = Create();
        handler.Answer(HttpStatusCode.Forbidden, "<html>\u0007denied\n</html>", ("x-amzn-ErrorType", "AccessDeniedException:http://internal/"));

        var error = await CatchAsync(client.DescribeSecretAsync("db", CancellationToken.None));

        Assert.That(error.Message, Is.EqualTo("Secrets Manager DescribeSecret failed: AccessDeniedException (HTTP 403)"));
    }

    [Test]
    public async Task Service_message_is_bounded_and_printable()
    {
        var (client, handler, _) = Create();
        handler.Answer(HttpStatusCode.BadRequest, "{\"__type\":\"InvalidParameterException\",\"message\":\"a\\u0000b\\r\\n" + new string('x', 5000) + "\"}");

        var error = await CatchAsync(client.DescribeSecretAsync("db", CancellationToken.None));

        Assert.That(error.Message, Does.Not.Contain("\0").And.Not.Contain("\n").And.Not.Contain("\r"));
        Assert.That(error.Message.Length, Is.LessThan(400));
    }

    [Test]
    public async Task Secret_value_rotation_token_key_and_session_token_never_reach_an_error_message()
    {
        var (client, handler, _) = Create();
        // A service quoting the request back, and AWS's signature errors quoting the canonical request (with the token).
        handler.Answer(HttpStatusCode.BadRequest,
            $"{{\"__type\":\"InvalidSignatureException\",\"message\":\"canonical: x-amz-security-token:{SessionToken} key {SecretKey.Replace("/", "\\/", StringComparison.Ordinal)} body {SecretValue.Replace("\"", "\\\"", StringComparison.Ordinal)} rt rotation-token-secret\"}}");

        var error = await CatchAsync(client.PutSecretValueAsync(
            new PutSecretValueRequest("db", "token-0000000000000000000000000001", SecretValue) { RotationToken = "rotation-token-secret" }, CancellationToken.None));

        Assert.That(error.Message, Does.Contain("InvalidSignatureException").And.Contain("x-amz-security-token:***"));
        foreach (var secret in new[] { SessionToken, SecretKey, SecretValue, "Sup3r-S3cret-Value", "rotation-token-secret" })
        {
            Assert.That(error.ToString(), Does.Not.Contain(secret));
        }
    }

    [Test]
    public async Task Oversized_answer_is_refused()
    {
        var (client, handler, _) = Create(o => o with { MaxResponseBytes = 1000 });
        handler.Answer(HttpStatusCode.OK, "{\"SecretString\":\"" + new string('a', 2000) + "\"}");

        var error = await CatchAsync(client.GetSecretValueAsync(new GetSecretValueRequest("db"), CancellationToken.None));

        Assert.That(error.ErrorCode, Is.EqualTo("ResponseTooLarge"));
        Assert.That(error.Message, Does.Not.Contain("aaaa"));
    }

    [Test]
    public async Task Malformed_answer_names_the_position_not_the_content()
    {
        var (client, handler, _) = Create();
        handler.Answer(HttpStatusCode.OK, "{\"SecretString\":\"Sup3r-S3cret-Value\",\"VersionStages\":\"not-an-array\"}");

        var error = await CatchAsync(client.GetSecretValueAsync(new GetSecretValueRequest("db"), CancellationToken.None));

        Assert.That(error.ErrorCode, Is.EqualTo("InvalidResponse"));
        Assert.That(error.Message, Does.Contain("VersionStages").And.Not.Contain("Sup3r-S3cret-Value"));
    }

    [Test]
    public void Records_with_secret_values_print_without_them()
    {
        var texts = new object[]
        {
            new GetSecretValueResponse { Name = "db", SecretString = SecretValue },
            new PutSecretValueRequest("db", "t", SecretValue) { RotationToken = "rotation-token-secret" },
            new GetRandomPasswordResponse { RandomPassword = "Sup3r-S3cret-Value" },
            new SecretsManagerClientOptions("eu-west-1", new AwsCredentials("AKIDEXAMPLE", SecretKey, SessionToken), new Uri("https://x/")),
        }.Select(o => o.ToString()!).ToList();

        Assert.That(texts[0], Does.Contain("db"));
        foreach (var text in texts)
        {
            Assert.That(text, Does.Not.Contain("Sup3r-S3cret-Value").And.Not.Contain("rotation-token-secret").And.Not.Contain(SecretKey).And.Not.Contain(SessionToken));
        }
    }

    private static async Task<SecretsManagerException> CatchAsync<T>(Task<T> task)
    {
        try
        {
            await task;
        }
        catch (SecretsManagerException e)
        {
            return e;
        }
        Assert.Fail("expected a SecretsManagerException");
        throw new InvalidOperationException();
    }
}
