using EscRotators.Adapter;
using EscRotators.Configuration;

namespace EscRotators.UnitTests.Adapter;

public sealed class AdapterEnvironmentTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Test]
    public void Without_an_audience_the_adapter_is_off_for_bootstrap_and_an_error_for_the_server()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(AdapterEnvironment.TryRead(Environment()), Is.Null);
            Assert.That(() => AdapterEnvironment.Read(Environment()), Throws.InstanceOf<InvalidConfigurationException>()
                .With.Message.Contains("ESC_ROTATOR_AUDIENCE"));
        }
    }

    [Test]
    public void Defaults_are_Pulumi_Clouds_issuers_and_JWKS_and_no_subject_restriction()
    {
        var options = AdapterEnvironment.Read(Environment(("ESC_ROTATOR_AUDIENCE", "https://a.example/")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Audience, Is.EqualTo("https://a.example/"));
            Assert.That(options.Issuers, Is.EqualTo(new[] { "https://api.pulumi.com", "https://api.pulumi.com/oidc" }));
            Assert.That(options.JwksUrl.ToString(), Is.EqualTo("https://api.pulumi.com/oidc/.well-known/jwks"));
            Assert.That(options.JwksFile, Is.Null);
            Assert.That(options.AllowedSubjects, Is.Empty);
            Assert.That(options.MaxBodyBytes, Is.EqualTo(256 * 1024));
            Assert.That(options.ClockSkew, Is.EqualTo(TimeSpan.FromSeconds(60)));
        }
    }

    [Test]
    public void Lists_are_comma_separated_and_a_relative_JWKS_file_resolves_next_to_the_executable()
    {
        var options = AdapterEnvironment.Read(Environment(
            ("ESC_ROTATOR_AUDIENCE", "https://a.example/"),
            ("ESC_ROTATOR_ISSUERS", " https://one.example , https://two.example "),
            ("ESC_ROTATOR_ALLOWED_SUBJECTS", "a:*,b:?"),
            ("ESC_ROTATOR_JWKS_FILE", "jwks.json")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Issuers, Is.EqualTo(new[] { "https://one.example", "https://two.example" }));
            Assert.That(options.AllowedSubjects.Select(p => p.ToString()), Is.EqualTo(new[] { "a:*", "b:?" }));
            Assert.That(options.JwksFile, Is.EqualTo(Path.Combine(AppContext.BaseDirectory, "jwks.json")));
        }
    }

    [TestCase("http://keys.example/jwks")]
    [TestCase("not a url")]
    public void A_JWKS_URL_must_be_https(string url) =>
        Assert.That(
            () => AdapterEnvironment.Read(Environment(("ESC_ROTATOR_AUDIENCE", "https://a.example/"), ("ESC_ROTATOR_JWKS_URL", url))),
            Throws.InstanceOf<InvalidConfigurationException>().With.Message.Contains("https://"));
}
