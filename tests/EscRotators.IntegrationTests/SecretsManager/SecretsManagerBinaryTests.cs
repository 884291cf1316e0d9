using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.IntegrationTests.Lambda;
using EscRotators.LocalRuntime;

namespace EscRotators.IntegrationTests.SecretsManager;

/// <summary>
/// The four steps through the real executables as Secrets Manager drives them: the published bootstrap speaking the
/// Runtime API (a failed step is a function error) and <c>bootstrap invoke</c>. The fake Secrets Manager is reached
/// over HTTPS, its certificate trusted through SSL_CERT_FILE, as the platform store would be.
/// </summary>
[TestFixture]
public sealed class SecretsManagerBinaryTests : FakeSecretsManagerFixture
{
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task The_published_Lambda_runs_the_four_steps_and_reports_a_failed_step_as_a_function_error(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.MultiUserAsync(Fake, engine);
        await using var lambda = await PublishedLambda.StartAsync(Fake.LambdaEnvironment());
        var token = await scenario.StartRotationAsync();

        foreach (var step in SecretsManagerScenario.Steps)
        {
            var (result, _) = await PublishedLambda.RotateAsync(lambda, Event(step, scenario.SecretName, token));
            Assert.That(result.ReplyJson, Is.EqualTo("null"), $"{step}: {result.Describe()}");
        }

        Assert.That((string?)(await scenario.VersionAsync("AWSCURRENT"))!["username"], Is.EqualTo(scenario.Clone));
        Assert.That(await scenario.CurrentLogsInAsync(), Is.True);

        var stray = await lambda.InvokeAsync(EventJson.ToUtf8(Event("setSecret", scenario.SecretName, Guid.NewGuid().ToString())));
        var error = JsonNode.Parse(stray.BodyText)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(stray.Outcome, Is.EqualTo(LambdaInvocationOutcome.FunctionError), PublishedLambda.Describe(stray, lambda));
            Assert.That((string?)error["errorType"], Is.EqualTo("RotationStepException"));
            Assert.That((string?)error["errorMessage"], Does.StartWith("setSecret of secret ").And.Contain("has no stage"));
            Assert.That(lambda.HasExited, Is.False, "a failed step does not end the runtime");
        }

        var log = PublishedLambda.Log(lambda);
        foreach (var secret in await scenario.AllPasswordsAsync())
        {
            foreach (var form in Expect.Forms(secret))
            {
                Assert.That(log, Does.Not.Contain(form), "the function's log holds a password");
            }
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Bootstrap_invoke_runs_a_single_user_rotation_and_exits_1_with_the_error_of_a_failed_step(DbEngine engine)
    {
        await using var scenario = await SecretsManagerScenario.SingleUserAsync(Fake, engine);
        var token = await scenario.StartRotationAsync();

        foreach (var step in SecretsManagerScenario.Steps)
        {
            var result = await BootstrapProcess.RunAsync(Event(step, scenario.SecretName, token), Fake.LambdaEnvironment());
            Assert.That(result.ExitCode, Is.Zero, $"{step}: {result.Describe()}");
            Assert.That(result.ReplyJson, Is.EqualTo("null"));
        }

        Assert.That(await scenario.CurrentLogsInAsync(), Is.True);
        Assert.That(await scenario.Db.CanLogInAsync(scenario.User.Name, scenario.User.Password), Is.False, "the old password is gone");

        var malformed = await BootstrapProcess.RunAsync(new JsonObject { ["Step"] = "setSecret", ["SecretId"] = scenario.SecretName }, Fake.LambdaEnvironment());
        Assert.That(malformed.ExitCode, Is.EqualTo(1), malformed.Describe());
        Assert.That(malformed.Log, Does.Contain("ClientRequestToken is required"));
    }

    private static JsonObject Event(string step, string secretId, string token) =>
        new() { ["Step"] = step, ["SecretId"] = secretId, ["ClientRequestToken"] = token };
}
