using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EscRotators.Composition;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Logging;
using EscRotators.Rotation;
using EscRotators.SecretsManager;
using EscRotators.SecretsManager.Rotation;
using EscRotators.Tls;
using EscRotators.UnitTests.SecretsManager;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>
/// One secret in AWS's format for a real database, held by the fake Secrets Manager, and the four steps run against
/// it in this process through the handler the composition root builds (the same engines, trust path and client as
/// bootstrap). Multi-user: a master secret (an account with the rights of an RDS master user) and the rotated user;
/// single-user: the user alone.
/// </summary>
internal sealed class SecretsManagerScenario : IAsyncDisposable
{
    public static readonly string[] Steps = ["createSecret", "setSecret", "testSecret", "finishSecret"];

    private static int _counter;

    private SecretsManagerScenario(FakeSecretsManager fake, ITestDatabase db, TestUser user, TestUser? master, string secretName, string? masterName)
    {
        Fake = fake;
        Db = db;
        User = user;
        Master = master;
        SecretName = secretName;
        MasterName = masterName;
    }

    public FakeSecretsManager Fake { get; }

    public ITestDatabase Db { get; }

    /// <summary>The user the secret starts with.</summary>
    public TestUser User { get; }

    /// <summary>The master secret's user; null for a single-user secret.</summary>
    public TestUser? Master { get; }

    public string SecretName { get; }

    public string? MasterName { get; }

    /// <summary>AWS's alternate of <see cref="User"/>: the clone the first multi-user rotation creates.</summary>
    public string Clone => User.Name + "_clone";

    /// <summary>A multi-user secret; <paramref name="edit"/> changes its JSON before it is stored.</summary>
    /// <param name="host">The host both secrets name, instead of the server's own address (e.g. <c>localhost</c>, the name its certificate holds).</param>
    public static async Task<SecretsManagerScenario> MultiUserAsync(FakeSecretsManager fake, DbEngine engine, Action<JsonObject>? edit = null, string? host = null)
    {
        var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync(password: Secrets.Hostile());
        var master = await db.CreateManagingUserAsync([user]);
        if (db is MariaDbTestDatabase mariaDb)
        {
            // An RDS master user: every privilege, with the right to pass it on (the clone gets the user's grants).
            await mariaDb.ExecuteAsync($"GRANT ALL PRIVILEGES ON *.* TO {MariaDbTestDatabase.Account(master.Name)} WITH GRANT OPTION");
            await mariaDb.ExecuteAsync($"GRANT SELECT ON {MariaDbTestDatabase.QuoteIdentifier(db.Database)}.* TO {MariaDbTestDatabase.Account(user.Name)}");
        }

        db.DropAtEnd(user.Name + "_clone");
        var id = Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);
        var masterName = $"master-{id}-{Guid.NewGuid():N}";
        var secretName = $"app-{id}-{Guid.NewGuid():N}";
        var masterSecret = SecretJson(db, master, null);
        masterSecret["host"] = host ?? db.Host;
        await fake.SeedAsync(masterName, masterSecret.ToJsonString(), Guid.NewGuid().ToString());
        var masterArn = (string)(await fake.DescribeAsync(masterName))["ARN"]!;
        var secret = SecretJson(db, user, masterArn);
        secret["host"] = host ?? db.Host;
        edit?.Invoke(secret);
        await fake.SeedAsync(secretName, secret.ToJsonString(), Guid.NewGuid().ToString());
        return new SecretsManagerScenario(fake, db, user, master, secretName, masterName);
    }

    /// <summary>A single-user secret: no masterarn, the user changes its own password.</summary>
    public static async Task<SecretsManagerScenario> SingleUserAsync(FakeSecretsManager fake, DbEngine engine, Action<JsonObject>? edit = null)
    {
        var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync(password: Secrets.Hostile());
        var secretName = $"single-{Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}";
        var secret = SecretJson(db, user, null);
        edit?.Invoke(secret);
        await fake.SeedAsync(secretName, secret.ToJsonString(), Guid.NewGuid().ToString());
        return new SecretsManagerScenario(fake, db, user, null, secretName, null);
    }

    /// <summary>The secret AWS's console would write for <paramref name="user"/>, plus a field nobody here knows.</summary>
    public static JsonObject SecretJson(ITestDatabase db, TestUser user, string? masterArn)
    {
        var secret = new JsonObject
        {
            ["engine"] = db.Engine == DbEngine.Postgres ? "postgres" : "mariadb",
            ["host"] = db.Host,
            ["port"] = db.Port,
            ["username"] = user.Name,
            ["password"] = user.Password,
            ["dbname"] = db.Database,
            ["dbInstanceIdentifier"] = "kept-as-is",
        };
        if (masterArn is not null)
        {
            secret["masterarn"] = masterArn;
        }

        return secret;
    }

    /// <summary>What RotateSecret does before the first step: a new token whose version is staged AWSPENDING.</summary>
    public async Task<string> StartRotationAsync()
    {
        var token = Guid.NewGuid().ToString();
        await Fake.StartRotationAsync(SecretName, token);
        return token;
    }

    /// <summary>Starts a rotation as RotateSecret does and runs the four steps; fails the test on any step's error.</summary>
    public async Task<string> RotateAsync()
    {
        var token = await StartRotationAsync();
        foreach (var step in Steps)
        {
            var result = await StepAsync(step, token);
            Assert.That(result.Error, Is.Null, $"{step}: {result.Error?.Message}\nlog:\n{result.Log}");
        }

        return token;
    }

    /// <summary>Runs one step in this process; the error is the function error Secrets Manager would see.</summary>
    public async Task<StepResult> StepAsync(
        string step,
        string token,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? secretId = null)
    {
        var payload = new JsonObject { ["Step"] = step, ["SecretId"] = secretId ?? SecretName, ["ClientRequestToken"] = token };
        using var document = JsonDocument.Parse(EventJson.ToUtf8(payload));
        var evt = SecretsManagerEvent.TryRead(document.RootElement)!;
        using var log = new StringWriter(CultureInfo.InvariantCulture);
        var logger = new RotatorLogger(new LogSink(log, LogFormat.Text, LogLevel.Info));
        var variables = environment ?? Fake.LambdaEnvironment();
        Func<string, string?> env = name => variables.GetValueOrDefault(name);
        var handler = RotatorComposition.CreateSecretsManagerHandler(TestRotatorDefaults.Options, SystemTrustStore.FromEnvironment(env), logger, env);
        var budget = InvocationBudget.StartingNow(timeout ?? TimeSpan.FromSeconds(30), TimeProvider.System);
        using var replyDue = budget.CancelWhenReplyIsDue();
        var started = DateTime.UtcNow;
        try
        {
            await handler.HandleAsync(evt, "test-" + Guid.NewGuid().ToString("N")[..12], budget, replyDue.Token);
            return new StepResult(null, log.ToString(), DateTime.UtcNow - started);
        }
        catch (RotationStepException ex)
        {
            return new StepResult(ex, log.ToString(), DateTime.UtcNow - started);
        }
    }

    /// <summary>The version holding <paramref name="stage"/>, parsed; null when no version holds it.</summary>
    public async Task<JsonObject?> VersionAsync(string stage)
    {
        try
        {
            var value = await Fake.CreateClient().GetSecretValueAsync(new GetSecretValueRequest(SecretName) { VersionStage = stage }, CancellationToken.None);
            return JsonNode.Parse(value.SecretString!)!.AsObject();
        }
        catch (SecretsManagerException missing) when (missing.ErrorCode == "ResourceNotFoundException")
        {
            return null;
        }
    }

    /// <summary>The AWSCURRENT version's credentials log in.</summary>
    public async Task<bool> CurrentLogsInAsync()
    {
        var current = (await VersionAsync("AWSCURRENT"))!;
        return await Db.CanLogInAsync((string)current["username"]!, (string)current["password"]!);
    }

    /// <summary>Every password any version of the secret or the master holds: none may appear in a log or an error.</summary>
    public async Task<string[]> AllPasswordsAsync()
    {
        var passwords = new List<string> { User.Password };
        if (Master is not null)
        {
            passwords.Add(Master.Password);
        }

        foreach (var stage in new[] { "AWSCURRENT", "AWSPENDING", "AWSPREVIOUS" })
        {
            if (await VersionAsync(stage) is { } version)
            {
                passwords.Add((string)version["password"]!);
            }
        }

        return [.. passwords.Distinct()];
    }

    public ValueTask DisposeAsync() => Db.DisposeAsync();
}

/// <summary>One step's outcome: the function error (null on success), what the handler logged, and how long it took.</summary>
internal sealed record StepResult(RotationStepException? Error, string Log, TimeSpan Elapsed);
