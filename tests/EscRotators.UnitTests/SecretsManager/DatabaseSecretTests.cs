using System.Text.Json.Nodes;
using EscRotators.SecretsManager.Rotation;

namespace EscRotators.UnitTests.SecretsManager;

public sealed class DatabaseSecretTests
{
    private const string What = "the AWSCURRENT version";

    [TestCase("mysql", "mysql", 3306, 32)]
    [TestCase("aurora-mysql", "mysql", 3306, 32)]
    [TestCase("mariadb", "mysql", 3306, 80)]
    [TestCase("postgres", "postgres", 5432, 63)]
    [TestCase("aurora-postgresql", "postgres", 5432, 63)]
    public void Each_of_AWSs_engines_maps_to_its_engine_default_port_and_name_limit(string engine, string type, int port, int limit)
    {
        var secret = DatabaseSecret.Parse($$"""{"engine":"{{engine}}","host":"db.internal","username":"app","password":"pw"}""", What);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(secret.EngineType, Is.EqualTo(type));
            Assert.That(secret.Port, Is.Null);
            Assert.That(secret.EffectivePort, Is.EqualTo(port));
            Assert.That(secret.MaxUsernameLength, Is.EqualTo(limit));
        }
    }

    [TestCase("5433", 5433)]
    [TestCase("\"5433\"", 5433)]
    public void The_port_may_be_a_number_or_a_string_of_digits(string port, int expected) =>
        Assert.That(DatabaseSecret.Parse($$"""{"engine":"postgres","host":"h","username":"u","password":"p","port":{{port}}}""", What).Port, Is.EqualTo(expected));

    [TestCase("true", true)]
    [TestCase("false", false)]
    [TestCase("\"TRUE\"", true)]
    [TestCase("\"False\"", false)]
    [TestCase("\"yes\"", null)]
    [TestCase("1", null)]
    public void Ssl_follows_AWSs_rule(string ssl, bool? expected) =>
        Assert.That(DatabaseSecret.Parse($$"""{"engine":"postgres","host":"h","username":"u","password":"p","ssl":{{ssl}}}""", What).Ssl, Is.EqualTo(expected));

    [Test]
    public void The_tls_object_is_read_for_the_function_to_prefer_over_ssl()
    {
        var secret = DatabaseSecret.Parse("""{"engine":"mariadb","host":"h","username":"u","password":"p","ssl":false,"tls":{"mode":"verify-full"}}""", What);

        Assert.That(secret.Tls?.Mode, Is.EqualTo("verify-full"));
    }

    [Test]
    public void A_new_version_keeps_every_field_and_replaces_only_the_credentials()
    {
        var secret = DatabaseSecret.Parse(
            """{"engine":"postgres","host":"h","username":"app","password":"old","port":5432,"dbname":"orders","masterarn":"arn:m","ssl":true,"custom":{"a":[1,2]}}""", What);

        var next = JsonNode.Parse(secret.With("app_clone", "new"))!.AsObject();

        Assert.That(next.ToJsonString(), Is.EqualTo(
            """{"engine":"postgres","host":"h","username":"app_clone","password":"new","port":5432,"dbname":"orders","masterarn":"arn:m","ssl":true,"custom":{"a":[1,2]}}"""));
    }

    [TestCase("app", "app_clone")]
    [TestCase("app_clone", "app")]
    [TestCase("app_clone_clone", "app_clone")]
    public void The_alternate_user_is_AWSs_clone_rule(string user, string alternate) =>
        Assert.That(DatabaseSecret.AlternateOf(user), Is.EqualTo(alternate));

    [TestCase("""not json""", "not valid JSON")]
    [TestCase("""[1]""", "not a JSON object")]
    [TestCase("""{"host":"h","username":"u","password":"p"}""", "\"engine\" is missing")]
    [TestCase("""{"engine":"oracle","host":"h","username":"u","password":"p"}""", "\"engine\" must be")]
    [TestCase("""{"engine":"postgres","username":"u","password":"p"}""", "\"host\" is missing")]
    [TestCase("""{"engine":"postgres","host":"h","password":"p"}""", "\"username\" is missing")]
    [TestCase("""{"engine":"postgres","host":"h","username":"u"}""", "\"password\" is missing")]
    [TestCase("""{"engine":"postgres","host":"h","username":"u","password":""}""", "\"password\" must be a non-empty")]
    [TestCase("""{"engine":"postgres","host":"h","username":7,"password":"p"}""", "\"username\" must be a string")]
    [TestCase("""{"engine":"postgres","host":"h","username":"u","password":"p","port":70000}""", "\"port\" must be")]
    [TestCase("""{"engine":"postgres","host":"h","username":"u","password":"p","port":"54x"}""", "\"port\" must be")]
    [TestCase("""{"engine":"postgres","host":"h","username":"u","password":"p","tls":"verify-full"}""", "\"tls\" must be an object")]
    [TestCase("""{"engine":"postgres","host":"h","username":"u","password":"p","tls":{"mode":3}}""", "\"tls.mode\" must be a string")]
    public void A_secret_that_cannot_be_rotated_is_refused_naming_the_field(string json, string expected)
    {
        var error = Assert.Throws<RotationStepException>(() => DatabaseSecret.Parse(json, What));

        Assert.That(error!.Message, Does.StartWith(What + " is not a database secret").And.Contain(expected));
    }

    [Test]
    public void A_refusal_never_echoes_the_secrets_values()
    {
        var error = Assert.Throws<RotationStepException>(() => DatabaseSecret.Parse("""{"engine":"postgres","host":"h","username":"u","password":"hunter2-pw","port":"hunter3"}""", What));

        Assert.That(error!.Message, Does.Not.Contain("hunter"));
    }

    [TestCase("postgres", 31, true)]
    [TestCase("postgres", 32, false)]
    [TestCase("mariadb", 80, true)]
    [TestCase("mariadb", 81, false)]
    public void A_user_name_fits_by_bytes_on_PostgreSQL_and_by_characters_on_MariaDB(string engine, int letters, bool fits)
    {
        // "é" is two bytes of UTF-8: 31 of them are 62 bytes, 32 are 64.
        var secret = DatabaseSecret.Parse($$"""{"engine":"{{engine}}","host":"h","username":"u","password":"p"}""", What);

        Assert.That(secret.Fits(new string('é', letters)), Is.EqualTo(fits));
    }
}
