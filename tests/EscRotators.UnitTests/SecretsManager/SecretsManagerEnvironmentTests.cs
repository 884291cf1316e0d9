using EscRotators.SecretsManager;

namespace EscRotators.UnitTests.SecretsManager;

public sealed class SecretsManagerEnvironmentTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    private static readonly (string, string)[] Lambda =
        [("AWS_REGION", "eu-west-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_SESSION_TOKEN", "token")];

    [Test]
    public void Lambda_variables_give_region_credentials_and_the_regional_endpoint()
    {
        var options = SecretsManagerClientOptions.FromEnvironment(Env(Lambda));
        Assert.Multiple(() =>
        {
            Assert.That(options.Region, Is.EqualTo("eu-west-1"));
            Assert.That(options.Credentials.AccessKeyId, Is.EqualTo("AKIDEXAMPLE"));
            Assert.That(options.Credentials.SecretAccessKey, Is.EqualTo("secret"));
            Assert.That(options.Credentials.SessionToken, Is.EqualTo("token"));
            Assert.That(options.Endpoint, Is.EqualTo(new Uri("https://secretsmanager.eu-west-1.amazonaws.com/")));
        });
    }

    [Test]
    public void No_session_token_signs_without_one()
    {
        var options = SecretsManagerClientOptions.FromEnvironment(Env([.. Lambda.Where(v => v.Item1 != "AWS_SESSION_TOKEN")]));
        Assert.That(options.Credentials.SessionToken, Is.Null);
    }

    [TestCase("AWS_REGION")]
    [TestCase("AWS_ACCESS_KEY_ID")]
    [TestCase("AWS_SECRET_ACCESS_KEY")]
    public void Missing_variable_is_named(string missing)
    {
        var error = Assert.Throws<SecretsManagerConfigurationException>(() =>
            SecretsManagerClientOptions.FromEnvironment(Env([.. Lambda.Where(v => v.Item1 != missing)])));
        Assert.That(error!.Message, Does.StartWith(missing + " is not set"));
    }

    [TestCase("eu-west-1.evil.example/")]
    [TestCase("US-EAST-1")]
    public void Region_that_is_not_a_region_name_is_refused(string region)
    {
        Assert.Throws<SecretsManagerConfigurationException>(() =>
            SecretsManagerClientOptions.FromEnvironment(Env([.. Lambda.Where(v => v.Item1 != "AWS_REGION"), ("AWS_REGION", region)])));
    }

    private static readonly (string, string) Specific = ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://specific.example/");
    private static readonly (string, string) Global = ("AWS_ENDPOINT_URL", "https://global.example/");
    private static readonly (string, string) Template = ("SECRETS_MANAGER_ENDPOINT", "https://template.example/");
    private static readonly (string, string) Ignore = ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true");
    private static readonly (string, string) Fips = ("AWS_USE_FIPS_ENDPOINT", "true");

    public static IEnumerable<TestCaseData> Orders()
    {
        yield return new TestCaseData(new[] { Specific, Global, Template, Fips }, "https://specific.example/", "AWS_ENDPOINT_URL_SECRETS_MANAGER").SetName("Service-specific endpoint variable wins over all");
        yield return new TestCaseData(new[] { Global, Template, Fips }, "https://global.example/", "AWS_ENDPOINT_URL").SetName("Global endpoint variable comes second");
        yield return new TestCaseData(new[] { Template, Fips }, "https://template.example/", "SECRETS_MANAGER_ENDPOINT").SetName("Template endpoint variable comes third");
        yield return new TestCaseData(new[] { Specific, Global, Template, Ignore }, "https://template.example/", "SECRETS_MANAGER_ENDPOINT").SetName("Ignoring configured endpoints skips the first two only");
        yield return new TestCaseData(new[] { Specific, Global, Ignore }, "https://secretsmanager.eu-west-1.amazonaws.com/", "AWS_REGION").SetName("Ignoring configured endpoints falls back to the regional endpoint");
        yield return new TestCaseData(new[] { Fips }, "https://secretsmanager-fips.eu-west-1.amazonaws.com/", "AWS_REGION (FIPS)").SetName("FIPS variable selects the FIPS regional endpoint");
        yield return new TestCaseData(new[] { ("AWS_USE_FIPS_ENDPOINT", "false") }, "https://secretsmanager.eu-west-1.amazonaws.com/", "AWS_REGION").SetName("FIPS false keeps the standard regional endpoint");
        yield return new TestCaseData(new[] { ("AWS_ENDPOINT_URL_SECRETS_MANAGER", " "), Global }, "https://global.example/", "AWS_ENDPOINT_URL").SetName("Blank endpoint variable counts as unset");
        yield return new TestCaseData(new[] { ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566") }, "http://127.0.0.1:4566/", "AWS_ENDPOINT_URL").SetName("Plain http to loopback is allowed for local emulators");
    }

    [TestCaseSource(nameof(Orders))]
    public void Endpoint_resolution_order((string, string)[] variables, string expected, string source)
    {
        var endpoint = SecretsManagerEndpoint.Resolve(Env(variables), "eu-west-1");
        Assert.That(endpoint.Uri, Is.EqualTo(new Uri(expected)));
        Assert.That(endpoint.Source, Is.EqualTo(source));
    }

    [TestCase("http://secretsmanager.internal.example/", "plain http")]
    [TestCase("https://user:pw@secretsmanager.example/", "https URL")]
    [TestCase("https://secretsmanager.example/path", "https URL")]
    [TestCase("ftp://secretsmanager.example/", "https URL")]
    [TestCase("not a url", "https URL")]
    public void Unsafe_or_malformed_endpoint_is_refused_naming_the_variable(string value, string reason)
    {
        var error = Assert.Throws<SecretsManagerConfigurationException>(() =>
            SecretsManagerEndpoint.Resolve(Env(("AWS_ENDPOINT_URL", value)), "eu-west-1"));
        Assert.That(error!.Message, Does.StartWith("AWS_ENDPOINT_URL").And.Contain(reason).And.Not.Contain("pw@"));
    }
}
