using System.Text.Json;
using EscRotators.SecretsManager.Rotation;

namespace EscRotators.UnitTests.SecretsManager;

public sealed class RotationEventTests
{
    private const string Token = "0f8d6c2a-5c3b-4c1e-9d1a-7e2b3c4d5e6f";

    // As the hosts read a payload: one parse; what is not JSON at all goes to the dispatcher, which words its 400.
    private static SecretsManagerEvent? Read(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return SecretsManagerEvent.TryRead(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [TestCase("createSecret", RotationStep.CreateSecret)]
    [TestCase("setSecret", RotationStep.SetSecret)]
    [TestCase("testSecret", RotationStep.TestSecret)]
    [TestCase("finishSecret", RotationStep.FinishSecret)]
    public void A_Secrets_Manager_event_is_read_with_its_step(string step, RotationStep expected)
    {
        var evt = Read($$"""{"SecretId":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf","ClientRequestToken":"{{Token}}","Step":"{{step}}"}""");

        Assert.That(evt, Is.EqualTo(new SecretsManagerEvent(expected, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", Token, null)));
        Assert.That(SecretsManagerEvent.StepName(expected), Is.EqualTo(step));
    }

    [Test]
    public void The_rotation_token_is_kept_when_the_event_has_one()
    {
        var evt = Read($$"""{"Step":"createSecret","SecretId":"db","ClientRequestToken":"{{Token}}","RotationToken":"rt-1"}""");

        Assert.That(evt!.RotationToken, Is.EqualTo("rt-1"));
    }

    [TestCase("""{"type":"postgres","step":"createSecret"}""")]
    [TestCase("""{"rotateUsers":{"Step":"createSecret"}}""")]
    [TestCase("""[{"Step":"createSecret"}]""")]
    [TestCase("""{"requestContext":{"http":{}},"body":"{\"Step\":\"createSecret\"}"}""")]
    [TestCase("not json")]
    [TestCase("")]
    [TestCase("""{"Step":"setSecret","SecretId":"db","ClientRequestToken":"0f8d6c2a-5c3b-4c1e-9d1a-7e2b3c4d5e6f",}""")]
    public void Payloads_without_a_top_level_Step_are_not_Secrets_Manager_events(string json) =>
        Assert.That(Read(json), Is.Null);

    [TestCase("""{"Step":"rotate","SecretId":"db","ClientRequestToken":"0f8d6c2a-5c3b-4c1e-9d1a-7e2b3c4d5e6f"}""", "Step must be")]
    [TestCase("""{"Step":1,"SecretId":"db","ClientRequestToken":"0f8d6c2a-5c3b-4c1e-9d1a-7e2b3c4d5e6f"}""", "Step must be")]
    [TestCase("""{"Step":"setSecret","ClientRequestToken":"0f8d6c2a-5c3b-4c1e-9d1a-7e2b3c4d5e6f"}""", "SecretId is required")]
    [TestCase("""{"Step":"setSecret","SecretId":"db"}""", "ClientRequestToken is required")]
    [TestCase("""{"Step":"setSecret","SecretId":"db","ClientRequestToken":"short"}""", "ClientRequestToken must be a string of 32 to 64")]
    [TestCase("""{"Step":"setSecret","SecretId":"db\u0000x","ClientRequestToken":"0f8d6c2a-5c3b-4c1e-9d1a-7e2b3c4d5e6f"}""", "SecretId must be")]
    public void A_malformed_Secrets_Manager_event_is_refused_naming_the_field(string json, string expected)
    {
        var error = Assert.Throws<RotationStepException>(() => Read(json));

        Assert.That(error!.Message, Does.StartWith("malformed Secrets Manager rotation event: ").And.Contain(expected));
    }

    [Test]
    public void A_refusal_never_echoes_the_value_it_refused()
    {
        var error = Assert.Throws<RotationStepException>(() => Read("""{"Step":"hunter2-secret-value","SecretId":"db","ClientRequestToken":"x"}"""));

        Assert.That(error!.Message, Does.Not.Contain("hunter2"));
    }
}
