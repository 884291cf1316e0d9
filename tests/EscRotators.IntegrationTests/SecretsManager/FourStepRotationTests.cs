using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.IntegrationTests.Lambda;
using EscRotators.SecretsManager;
using EscRotators.UnitTests.SecretsManager;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>
/// Secrets Manager's four steps against real PostgreSQL and MariaDB, both of AWS's strategies, with the fake Secrets
/// Manager (checked against the official AWS client by tests/secrets-manager-contract) standing in for the service.
/// </summary>
[TestFixture]
public sealed class FourStepRotationTests : FakeSecretsManagerFixture
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Multi_user_rotations_alternate_the_user_and_its_clone_and_keep_unknown_fields(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var db = scenario.Db;

        await scenario.RotateAsync();

        var first = (await scenario.VersionAsync("AWSCURRENT"))!;
        var previous = (await scenario.VersionAsync("AWSPREVIOUS"))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)first["username"], Is.EqualTo(scenario.Clone), "the first rotation moves to the clone");
            Assert.That(await db.CanLogInAsync(scenario.Clone, (string)first["password"]!), Is.True, "the clone logs in with AWSCURRENT");
            Assert.That((string?)previous["username"], Is.EqualTo(scenario.User.Name));
            Assert.That(await db.CanLogInAsync(scenario.User.Name, scenario.User.Password), Is.True, "AWSPREVIOUS still logs in");
            Assert.That((string?)first["dbInstanceIdentifier"], Is.EqualTo("kept-as-is"), "a field nobody here knows is kept");
            Assert.That(first["masterarn"]?.GetValue<string>(), Is.EqualTo(previous["masterarn"]?.GetValue<string>()));
            Assert.That(first["port"]?.GetValue<int>(), Is.EqualTo(db.Port), "the port stays a number");
        }

        await scenario.RotateAsync();

        var second = (await scenario.VersionAsync("AWSCURRENT"))!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)second["username"], Is.EqualTo(scenario.User.Name), "the second rotation alternates back");
            Assert.That(await db.CanLogInAsync(scenario.User.Name, (string)second["password"]!), Is.True);
            Assert.That(await db.CanLogInAsync(scenario.User.Name, scenario.User.Password), Is.False, "the user's old password is gone");
            Assert.That(await db.CanLogInAsync(scenario.Clone, (string)first["password"]!), Is.True, "the clone (now AWSPREVIOUS) still logs in");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Single_user_rotations_change_the_users_own_password(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.SingleUserAsync(Fake, engine);
        var db = scenario.Db;

        await scenario.RotateAsync();
        var first = (await scenario.VersionAsync("AWSCURRENT"))!;
        await scenario.RotateAsync();
        var second = (await scenario.VersionAsync("AWSCURRENT"))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)first["username"], Is.EqualTo(scenario.User.Name));
            Assert.That((string?)second["username"], Is.EqualTo(scenario.User.Name));
            Assert.That((string?)second["password"], Is.Not.EqualTo((string?)first["password"]));
            Assert.That(await db.CanLogInAsync(scenario.User.Name, (string)second["password"]!), Is.True, "AWSCURRENT logs in");
            Assert.That(await db.CanLogInAsync(scenario.User.Name, (string)first["password"]!), Is.False, "the first rotation's password is gone");
            Assert.That(await db.CanLogInAsync(scenario.User.Name, scenario.User.Password), Is.False, "the original password is gone");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Each_step_rerun_with_the_same_token_changes_nothing(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var token = await scenario.StartRotationAsync();

        foreach (var step in SecretsManagerScenario.Steps)
        {
            var first = await scenario.StepAsync(step, token);
            Assert.That(first.Error, Is.Null, $"{step}: {first.Error?.Message}");
            var pendingBefore = await scenario.VersionAsync(step == "finishSecret" ? "AWSCURRENT" : "AWSPENDING");

            var again = await scenario.StepAsync(step, token);

            Assert.That(again.Error, Is.Null, $"{step} rerun: {again.Error?.Message}");
            var pendingAfter = await scenario.VersionAsync(step == "finishSecret" ? "AWSCURRENT" : "AWSPENDING");
            Assert.That(pendingAfter?.ToJsonString(), Is.EqualTo(pendingBefore?.ToJsonString()), $"{step} rerun changed the version");
            if (step is "setSecret" or "testSecret")
            {
                Assert.That(await scenario.Db.CanLogInAsync(scenario.Clone, (string)pendingAfter!["password"]!), Is.True, $"{step} rerun: the pending login works");
            }
        }

        Assert.That((await Fake.DescribeAsync(scenario.SecretName))["VersionIdsToStages"]![token]!.AsArray().Select(s => (string)s!), Does.Contain("AWSCURRENT"));
        Assert.That(await scenario.CurrentLogsInAsync(), Is.True);
        var puts = (await Fake.RequestsAsync()).Count(r => (string?)r!["operation"] == "PutSecretValue" && ((string?)r["body"])!.Contains(scenario.SecretName, StringComparison.Ordinal));
        Assert.That(puts, Is.EqualTo(1), "createSecret rerun reused the pending version");
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_failure_at_any_step_leaves_AWSCURRENT_logging_in_and_the_rotation_completes_on_retry(DbEngine engine)
    {
        // createSecret: Secrets Manager keeps failing the write; setSecret: the master secret's password is wrong;
        // testSecret: the pending password was changed behind the rotation's back; finishSecret: the stage move fails.
        foreach (var failing in SecretsManagerScenario.Steps)
        {
            await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
            var token = await scenario.StartRotationAsync();
            StepResult? failed = null;
            foreach (var step in SecretsManagerScenario.Steps)
            {
                if (step == failing)
                {
                    await InjectFailureAsync(scenario, step);
                    failed = await scenario.StepAsync(step, token);
                    break;
                }

                Assert.That((await scenario.StepAsync(step, token)).Error, Is.Null, $"{failing}: {step} before the failure");
            }

            TestContext.Out.WriteLine($"{failing}: {failed?.Error?.Message}");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(failed!.Error, Is.Not.Null, $"{failing} failed");
                Assert.That(failed.Error!.Message, Does.StartWith(failing + " of secret "), "the message names the step");
                Assert.That(failed.Error.Message, Does.Contain($"{scenario.Db.Host}:{scenario.Db.Port}"), "the message names the database");
                Assert.That(await scenario.CurrentLogsInAsync(), Is.True, $"AWSCURRENT logs in after {failing} failed");
                Assert.That((string?)(await scenario.VersionAsync("AWSCURRENT"))!["username"], Is.EqualTo(scenario.User.Name), "AWSCURRENT did not move");
            }

            foreach (var secret in await scenario.AllPasswordsAsync())
            {
                Assert.That(failed.Error!.Message, Does.Not.Contain(secret), "the error holds a password");
                Assert.That(failed.Log, Does.Not.Contain(secret), "the log holds a password");
            }

            await RepairAsync(scenario, failing);
            foreach (var step in SecretsManagerScenario.Steps)
            {
                var retried = await scenario.StepAsync(step, token);
                Assert.That(retried.Error, Is.Null, $"after {failing} failed, {step} retried: {retried.Error?.Message}");
            }

            Assert.That((string?)(await scenario.VersionAsync("AWSCURRENT"))!["username"], Is.EqualTo(scenario.Clone));
            Assert.That(await scenario.CurrentLogsInAsync(), Is.True);
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Throttling_is_retried_within_the_step(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var token = await scenario.StartRotationAsync();
        await Fake.QueueFaultsAsync("throttle", "throttle429");

        var result = await scenario.StepAsync("createSecret", token);

        Assert.That(result.Error, Is.Null, result.Error?.Message);
        Assert.That(await scenario.VersionAsync("AWSPENDING"), Is.Not.Null);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_silent_Secrets_Manager_endpoint_fails_the_step_before_the_deadline(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var token = await scenario.StartRotationAsync();
        await Fake.QueueFaultsAsync("silence", "silence", "silence", "silence");

        var result = await scenario.StepAsync("createSecret", token, timeout: TimeSpan.FromSeconds(3));

        Assert.That(result.Error, Is.Not.Null);
        Assert.That(result.Elapsed, Is.LessThan(TimeSpan.FromSeconds(3)), "the step answered inside its deadline");
        Assert.That(result.Error!.Message, Does.Contain("deadline"));
        Assert.That(await scenario.VersionAsync("AWSPENDING"), Is.Null, "nothing was written");
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_silent_database_fails_setSecret_before_the_deadline_with_nothing_changed(DbEngine engine)
    {
        await using var silent = SilentListener.Start();
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var token = await scenario.StartRotationAsync();
        Assert.That((await scenario.StepAsync("createSecret", token)).Error, Is.Null);
        await PointAtAsync(scenario, silent.Port);

        var result = await scenario.StepAsync("setSecret", token, timeout: TimeSpan.FromSeconds(4));

        Assert.That(result.Error, Is.Not.Null);
        Assert.That(result.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "the step answered inside its deadline");
        Assert.That(await scenario.Db.CanLogInAsync(scenario.User.Name, scenario.User.Password), Is.True, "AWSCURRENT still logs in");
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task No_password_reaches_the_log_or_the_servers_statement_log(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var start = StatementLog.Start(scenario.Db);
        var logs = new List<string>();
        var token = await scenario.StartRotationAsync();
        foreach (var step in SecretsManagerScenario.Steps)
        {
            var result = await scenario.StepAsync(step, token);
            Assert.That(result.Error, Is.Null, result.Error?.Message);
            logs.Add(result.Log);
        }

        var written = await StatementLog.ReadSinceAsync(scenario.Db, start);
        Assert.That(written, Does.Contain(scenario.Clone), "the rotation's statements are in the log being read");
        foreach (var secret in await scenario.AllPasswordsAsync())
        {
            foreach (var form in Expect.Forms(secret))
            {
                Assert.That(written, Does.Not.Contain(form), "a password is in the server's statement log");
                Assert.That(string.Join("\n", logs), Does.Not.Contain(form), "a password is in the rotator's log");
            }
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Ssl_true_verifies_the_certificate_and_a_tls_object_wins_over_ssl(DbEngine engine)
    {
        // The servers' certificates name "localhost": ssl true (verify-full with the function's CA bundle) works there.
        await using var verified = await SecretsManagerScenario.MultiUserAsync(Fake, engine, s => s["ssl"] = true, host: "localhost");
        TlsMaterial.Require(verified.Db);
        await verified.RotateAsync();
        Assert.That(await verified.CurrentLogsInAsync(), Is.True);

        // A tls object with another CA wins over ssl false, and the rotation refuses rather than fall back.
        await using var refused = await SecretsManagerScenario.MultiUserAsync(
            Fake, engine, s => { s["ssl"] = false; s["tls"] = new JsonObject { ["mode"] = "verify-full", ["caBundle"] = TlsMaterial.WrongCa }; }, host: "localhost");
        var token = await refused.StartRotationAsync();
        Assert.That((await refused.StepAsync("createSecret", token)).Error, Is.Null);

        var result = await refused.StepAsync("setSecret", token);

        Assert.That(result.Error?.Message, Does.Contain("certificate"), result.Log);
        Assert.That(await refused.Db.CanLogInAsync(refused.Clone, "anything"), Is.False);
        Assert.That(await refused.CurrentLogsInAsync(), Is.True, "AWSCURRENT still logs in");
    }

    [TestCase("wrong key")]
    [TestCase("wrong region")]
    [TestCase("missing session token")]
    public async Task A_bad_signature_fails_the_step_cleanly_with_nothing_changed(string fault)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, DbEngine.Postgres);
        var token = await scenario.StartRotationAsync();
        var environment = Fake.LambdaEnvironment();
        switch (fault)
        {
            case "wrong key":
                environment["AWS_SECRET_ACCESS_KEY"] = "not/the/key";
                break;
            case "wrong region":
                environment["AWS_REGION"] = "us-west-2";
                break;
            default:
                environment.Remove("AWS_SESSION_TOKEN");
                break;
        }

        var result = await scenario.StepAsync("createSecret", token, environment: environment);

        Assert.That(result.Error, Is.Not.Null);
        Assert.That(result.Error!.Message, Does.StartWith("createSecret of secret "));
        Assert.That(result.Error.Message, Does.Contain("credentials"), "the message says what to check");
        Assert.That(result.Error.Message, Does.Not.Contain(FakeSecretsManager.Credentials.SecretAccessKey));
        Assert.That(await scenario.VersionAsync("AWSPENDING"), Is.Null, "nothing was written");
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task A_pending_version_naming_another_user_is_refused_with_nothing_changed(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        var victim = await scenario.Db.CreateUserAsync();
        var token = await scenario.StartRotationAsync();
        var forged = SecretsManagerScenario.SecretJson(scenario.Db, new TestUser(victim.Name, "forged-password-1"), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x-abcdef");
        await Fake.CreateClient().PutSecretValueAsync(
            new PutSecretValueRequest(scenario.SecretName, token, forged.ToJsonString()) { VersionStages = ["AWSPENDING"] }, CancellationToken.None);

        var result = await scenario.StepAsync("setSecret", token);

        Assert.That(result.Error, Is.Not.Null);
        Assert.That(result.Error!.Message, Does.Contain(victim.Name).And.Contain("alternate"));
        Assert.That(await scenario.Db.CanLogInAsync(victim.Name, victim.Password), Is.True, "the other user's password is untouched");
    }

    [Test]
    [Category("Postgres")]
    public async Task Steps_of_a_secret_without_rotation_or_with_a_stray_token_are_refused()
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, DbEngine.Postgres);
        var stray = await scenario.StepAsync("createSecret", Guid.NewGuid().ToString());
        Assert.That(stray.Error?.Message, Does.Contain("has no stage"));

        var disabled = $"disabled-{Guid.NewGuid():N}";
        await Fake.SeedAsync(disabled, SecretsManagerScenario.SecretJson(scenario.Db, scenario.User, null).ToJsonString(), Guid.NewGuid().ToString(), rotationEnabled: false);
        var token = Guid.NewGuid().ToString();
        await Fake.StartRotationAsync(disabled, token);
        var notEnabled = await scenario.StepAsync("createSecret", token, secretId: disabled);
        Assert.That(notEnabled.Error?.Message, Does.Contain("not enabled for rotation"));
    }

    private async Task InjectFailureAsync(SecretsManagerScenario scenario, string step)
    {
        switch (step)
        {
            case "createSecret":
                for (var i = 0; i < 4; i++)
                {
                    await Fake.QueueFaultAsync("internal", "PutSecretValue");
                }

                break;
            case "setSecret":
                await ReplaceMasterAsync(scenario, "not-the-master-password");
                break;
            case "testSecret":
                await ChangePendingPasswordBehindTheRotationAsync(scenario);
                break;
            default:
                for (var i = 0; i < 4; i++)
                {
                    await Fake.QueueFaultAsync("internal", "UpdateSecretVersionStage");
                }

                break;
        }
    }

    private async Task RepairAsync(SecretsManagerScenario scenario, string step)
    {
        if (step == "setSecret")
        {
            await ReplaceMasterAsync(scenario, scenario.Master!.Password);
        }
    }

    private async Task ReplaceMasterAsync(SecretsManagerScenario scenario, string password)
    {
        var master = SecretsManagerScenario.SecretJson(scenario.Db, new TestUser(scenario.Master!.Name, password), null);
        await Fake.CreateClient().PutSecretValueAsync(
            new PutSecretValueRequest(scenario.MasterName!, Guid.NewGuid().ToString(), master.ToJsonString()), CancellationToken.None);
    }

    // setSecret put the pending password in place; a second, different one now sits there instead, so testSecret's
    // login fails. The retry's setSecret sees the pending login fail and sets it again.
    private static Task ChangePendingPasswordBehindTheRotationAsync(SecretsManagerScenario scenario) =>
        AlterPasswordAsync(scenario.Db, scenario.Clone, Secrets.Plain());

    private static Task AlterPasswordAsync(ITestDatabase db, string user, string password) => db switch
    {
        MariaDbTestDatabase mariaDb => mariaDb.ExecuteAsync($"ALTER USER {MariaDbTestDatabase.Account(user)} IDENTIFIED BY {MariaDbTestDatabase.QuoteString(password)}"),
        PostgresTestDatabase postgres => postgres.AlterPasswordAsync(user, password),
        _ => throw new NotSupportedException(db.Engine.ToString()),
    };

    // The master secret now names a port where a listener accepts connections and never answers.
    private async Task PointAtAsync(SecretsManagerScenario scenario, int port)
    {
        var master = SecretsManagerScenario.SecretJson(scenario.Db, scenario.Master!, null);
        master["port"] = port;
        await Fake.CreateClient().PutSecretValueAsync(
            new PutSecretValueRequest(scenario.MasterName!, Guid.NewGuid().ToString(), master.ToJsonString()), CancellationToken.None);
    }
}
