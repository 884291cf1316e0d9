using System.Diagnostics;
using System.Text.Json.Nodes;
using EscRotators.SecretsManager;

namespace EscRotators.UnitTests.SecretsManager;

/// <summary>
/// Our client against the fake Secrets Manager over HTTPS on 127.0.0.1: the fake accepts a request only when
/// @smithy/signature-v4 computes the same signature, so every passing call here is also a signature check.
/// </summary>
[NonParallelizable]
public sealed class SecretsManagerFakeServerTests
{
    private const string Initial = "v-initial-0000000000000000000000000001";
    private const string Token = "c5f6a1d2-0000-4000-8000-00000000beef";
    private FakeSecretsManager _fake = null!;

    [OneTimeSetUp]
    public async Task StartFake() => _fake = await FakeSecretsManager.StartAsync();

    [OneTimeTearDown]
    public async Task StopFake() => await _fake.DisposeAsync();

    private static string NewName() => "db-" + Guid.NewGuid().ToString("N")[..8];

    [Test]
    public async Task A_rotation_round_trip_stages_AWSPENDING_then_moves_AWSCURRENT()
    {
        var name = NewName();
        await _fake.SeedAsync(name, "{\"password\":\"old\"}", Initial);
        var client = _fake.CreateClient();

        var described = await client.DescribeSecretAsync(name, CancellationToken.None);
        var current = await client.GetSecretValueAsync(new GetSecretValueRequest(name) { VersionStage = "AWSCURRENT" }, CancellationToken.None);
        var password = await client.GetRandomPasswordAsync(new GetRandomPasswordRequest { PasswordLength = 32, ExcludeCharacters = "/@\"'\\" }, CancellationToken.None);
        var put = await client.PutSecretValueAsync(new PutSecretValueRequest(name, Token, "{\"password\":\"new\"}") { VersionStages = ["AWSPENDING"], RotationToken = "rotation-token-from-event" }, CancellationToken.None);
        var pending = await client.GetSecretValueAsync(new GetSecretValueRequest(name) { VersionId = Token, VersionStage = "AWSPENDING" }, CancellationToken.None);
        await client.UpdateSecretVersionStageAsync(new UpdateSecretVersionStageRequest(name, "AWSCURRENT") { MoveToVersionId = Token, RemoveFromVersionId = Initial }, CancellationToken.None);
        var after = await _fake.DescribeAsync(name);

        Assert.Multiple(async () =>
        {
            Assert.That(described.RotationEnabled, Is.True);
            Assert.That(described.VersionIdsToStages![Initial], Is.EqualTo(new[] { "AWSCURRENT" }));
            Assert.That(current.SecretString, Is.EqualTo("{\"password\":\"old\"}"));
            Assert.That(current.CreatedDate, Is.Not.Null);
            Assert.That(password.RandomPassword, Has.Length.EqualTo(32).And.Not.Contains("/").And.Not.Contains("@"));
            Assert.That(put.VersionId, Is.EqualTo(Token));
            Assert.That(pending.SecretString, Is.EqualTo("{\"password\":\"new\"}"));
            Assert.That(after["VersionIdsToStages"]![Initial]!.AsArray().Select(s => s!.GetValue<string>()), Is.EqualTo(new[] { "AWSPREVIOUS" }));
            Assert.That(after["VersionIdsToStages"]![Token]!.AsArray().Select(s => s!.GetValue<string>()), Is.EquivalentTo(new[] { "AWSCURRENT", "AWSPENDING" }));
            Assert.That((await _fake.RotationTokensAsync()).Select(t => t?.GetValue<string>()), Does.Contain("rotation-token-from-event"));
        });
    }

    [Test]
    public async Task PutSecretValue_retried_with_the_same_token_is_idempotent_and_other_content_is_ResourceExists()
    {
        var name = NewName();
        await _fake.SeedAsync(name, "old", Initial);
        var client = _fake.CreateClient();
        var put = new PutSecretValueRequest(name, Token, "new") { VersionStages = ["AWSPENDING"] };

        await client.PutSecretValueAsync(put, CancellationToken.None);
        var again = await client.PutSecretValueAsync(put, CancellationToken.None);
        var error = Assert.ThrowsAsync<SecretsManagerException>(() => client.PutSecretValueAsync(put with { SecretString = "different-Sup3r-S3cret" }, CancellationToken.None));

        Assert.That(again.VersionStages, Is.EqualTo(new[] { "AWSPENDING" }));
        Assert.That(error!.ErrorCode, Is.EqualTo("ResourceExistsException"));
        Assert.That(error.Message, Does.Not.Contain("different-Sup3r-S3cret"));
    }

    [Test]
    public async Task Missing_secret_and_missing_stage_are_ResourceNotFoundException()
    {
        var name = NewName();
        await _fake.SeedAsync(name, "old", Initial);
        var client = _fake.CreateClient();

        var noSecret = Assert.ThrowsAsync<SecretsManagerException>(() => client.DescribeSecretAsync("absent-" + name, CancellationToken.None));
        var noStage = Assert.ThrowsAsync<SecretsManagerException>(() => client.GetSecretValueAsync(new GetSecretValueRequest(name) { VersionStage = "AWSPENDING" }, CancellationToken.None));

        Assert.That(noSecret!.ErrorCode, Is.EqualTo("ResourceNotFoundException"));
        Assert.That(noStage!.Message, Is.EqualTo("Secrets Manager GetSecretValue failed: ResourceNotFoundException (HTTP 400): Secrets Manager can't find the specified secret value for staging label: AWSPENDING"));
    }

    public static IEnumerable<TestCaseData> BadSignatures()
    {
        yield return new TestCaseData(new Func<SecretsManagerClientOptions, SecretsManagerClientOptions>(o => o with { Credentials = new AwsCredentials(o.Credentials.AccessKeyId, "wrong-secret-key", o.Credentials.SessionToken) }), "InvalidSignatureException").SetName("Wrong secret key is refused and changes nothing");
        yield return new TestCaseData(new Func<SecretsManagerClientOptions, SecretsManagerClientOptions>(o => o with { Region = "us-east-1" }), "InvalidSignatureException").SetName("Wrong region is refused and changes nothing");
        yield return new TestCaseData(new Func<SecretsManagerClientOptions, SecretsManagerClientOptions>(o => o with { Credentials = new AwsCredentials(o.Credentials.AccessKeyId, o.Credentials.SecretAccessKey) }), "UnrecognizedClientException").SetName("Missing session token is refused and changes nothing");
    }

    [TestCaseSource(nameof(BadSignatures))]
    public async Task Bad_signature(Func<SecretsManagerClientOptions, SecretsManagerClientOptions> configure, string code)
    {
        var name = NewName();
        await _fake.SeedAsync(name, "old", Initial);
        var client = _fake.CreateClient(configure);

        var error = Assert.ThrowsAsync<SecretsManagerException>(() =>
            client.PutSecretValueAsync(new PutSecretValueRequest(name, Token, "new-Sup3r-S3cret") { VersionStages = ["AWSPENDING"] }, CancellationToken.None));

        Assert.That(error!.ErrorCode, Is.EqualTo(code));
        Assert.That(error.ToString(), Does.Not.Contain("new-Sup3r-S3cret").And.Not.Contain(FakeSecretsManager.Credentials.SecretAccessKey));
        Assert.That((await _fake.DescribeAsync(name))["VersionIdsToStages"]!.ToJsonString(), Is.EqualTo($"{{\"{Initial}\":[\"AWSCURRENT\"]}}"));
    }

    [Test]
    public async Task Throttling_and_5xx_from_the_server_are_retried_until_an_answer()
    {
        var name = NewName();
        await _fake.SeedAsync(name, "old", Initial);
        await _fake.QueueFaultsAsync("throttle", "throttle429", "internal");
        var client = _fake.CreateClient(o => o with { MaxAttempts = 4 });

        var described = await client.DescribeSecretAsync(name, CancellationToken.None);

        Assert.That(described.Name, Is.EqualTo(name));
    }

    [Test]
    public async Task Silent_server_gives_RequestTimeout_within_the_attempt_budget()
    {
        var name = NewName();
        await _fake.SeedAsync(name, "old", Initial);
        await _fake.QueueFaultsAsync("silence", "silence");
        var client = _fake.CreateClient(o => o with { MaxAttempts = 2, AttemptTimeout = TimeSpan.FromMilliseconds(300) });
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<SecretsManagerException>(() => client.DescribeSecretAsync(name, CancellationToken.None));

        Assert.That(error!.ErrorCode, Is.EqualTo("RequestTimeout"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public async Task Requests_match_the_official_clients_field_by_field()
    {
        var name = NewName();
        await _fake.SeedAsync(name, "old", Initial);
        var calls = new JsonArray(
            Call("DescribeSecret", new JsonObject { ["SecretId"] = name }),
            Call("GetSecretValue", new JsonObject { ["SecretId"] = name, ["VersionStage"] = "AWSCURRENT" }),
            Call("GetSecretValue", new JsonObject { ["SecretId"] = name, ["VersionId"] = Initial }),
            Call("GetRandomPassword", new JsonObject { ["PasswordLength"] = 32, ["ExcludeCharacters"] = "/@\"'\\", ["ExcludePunctuation"] = true }),
            Call("PutSecretValue", new JsonObject { ["SecretId"] = name, ["ClientRequestToken"] = Token, ["SecretString"] = "{\"password\":\"p\u00e9\"}", ["VersionStages"] = new JsonArray("AWSPENDING"), ["RotationToken"] = "rt" }),
            Call("UpdateSecretVersionStage", new JsonObject { ["SecretId"] = name, ["VersionStage"] = "AWSCURRENT", ["MoveToVersionId"] = Token, ["RemoveFromVersionId"] = Initial }));
        var client = _fake.CreateClient(o => o with { MaxAttempts = 3 });
        await _fake.ClearRequestsAsync();

        await client.DescribeSecretAsync(name, CancellationToken.None);
        await client.GetSecretValueAsync(new GetSecretValueRequest(name) { VersionStage = "AWSCURRENT" }, CancellationToken.None);
        await client.GetSecretValueAsync(new GetSecretValueRequest(name) { VersionId = Initial }, CancellationToken.None);
        await client.GetRandomPasswordAsync(new GetRandomPasswordRequest { PasswordLength = 32, ExcludeCharacters = "/@\"'\\", ExcludePunctuation = true }, CancellationToken.None);
        await client.PutSecretValueAsync(new PutSecretValueRequest(name, Token, "{\"password\":\"p\u00e9\"}") { VersionStages = ["AWSPENDING"], RotationToken = "rt" }, CancellationToken.None);
        await client.UpdateSecretVersionStageAsync(new UpdateSecretVersionStageRequest(name, "AWSCURRENT") { MoveToVersionId = Token, RemoveFromVersionId = Initial }, CancellationToken.None);
        var ours = await _fake.RequestsAsync();
        await _fake.ClearRequestsAsync();
        var results = await _fake.RunOfficialClientAsync(calls);
        var official = await _fake.RequestsAsync();

        Assert.That(ours.Select(r => r!["outcome"]!.GetValue<string>()), Is.All.EqualTo("ok"), "the fake verified our signatures");
        Assert.That(official, Has.Count.EqualTo(calls.Count));
        // The official client ran after ours, so its UpdateSecretVersionStage finds AWSCURRENT moved already.
        Assert.That(results.Take(5).Select(r => r!["ok"]?.GetValue<bool>()), Is.All.True);
        for (var i = 0; i < calls.Count; i++)
        {
            CompareRequests(calls[i]!["operation"]!.GetValue<string>(), ours[i]!.AsObject(), official[i]!.AsObject());
        }
    }

    private static JsonObject Call(string operation, JsonObject input) => new() { ["operation"] = operation, ["input"] = input };

    private static void CompareRequests(string operation, JsonObject ours, JsonObject official)
    {
        var a = ours["headers"]!.AsObject();
        var b = official["headers"]!.AsObject();
        string Signed(JsonObject headers) => headers["authorization"]!.GetValue<string>().Split("SignedHeaders=")[1].Split(',')[0];
        string Scope(JsonObject headers) => headers["authorization"]!.GetValue<string>().Split("Credential=")[1].Split(',')[0];
        Assert.Multiple(() =>
        {
            Assert.That(ours["method"]!.GetValue<string>(), Is.EqualTo(official["method"]!.GetValue<string>()), operation);
            Assert.That(ours["path"]!.GetValue<string>(), Is.EqualTo(official["path"]!.GetValue<string>()), operation);
            Assert.That(Signed(a), Is.EqualTo(Signed(b)), operation + ": signed headers");
            Assert.That(Scope(a), Is.EqualTo(Scope(b)), operation + ": credential scope");
            foreach (var header in new[] { "content-type", "x-amz-target", "content-length", "host", "x-amz-security-token", "x-amz-content-sha256", "amz-sdk-request" })
            {
                if (header == "amz-sdk-request")
                {
                    Assert.That(a[header]!.GetValue<string>(), Does.StartWith("attempt=1; max="), operation + ": " + header);
                    continue;
                }
                Assert.That(a[header]?.GetValue<string>(), Is.EqualTo(b[header]?.GetValue<string>()), operation + ": " + header);
            }
            Assert.That(a["x-amz-date"]!.GetValue<string>(), Does.Match("^[0-9]{8}T[0-9]{6}Z$"), operation + ": x-amz-date");
            Assert.That(Guid.TryParse(a["amz-sdk-invocation-id"]!.GetValue<string>(), out _), Is.True, operation + ": invocation id");
            // Headers the official client sends that we do not, beyond its user agents and keep-alive.
            var missing = b.Select(h => h.Key).Except(a.Select(h => h.Key)).Except(["connection"]);
            Assert.That(missing, Is.Empty, operation + ": headers only the official client sends");
            Assert.That(JsonNode.DeepEquals(JsonNode.Parse(ours["body"]!.GetValue<string>()), JsonNode.Parse(official["body"]!.GetValue<string>())), Is.True,
                operation + ": body JSON");
        });
    }
}
