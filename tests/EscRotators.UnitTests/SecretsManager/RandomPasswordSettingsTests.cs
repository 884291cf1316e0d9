using EscRotators.SecretsManager;
using EscRotators.SecretsManager.Rotation;

namespace EscRotators.UnitTests.SecretsManager;

public sealed class RandomPasswordSettingsTests
{
    [Test]
    public void Without_variables_the_request_is_AWSs_templates_default()
    {
        var request = RandomPasswordSettings.FromEnvironment(_ => null);

        Assert.That(request, Is.EqualTo(new GetRandomPasswordRequest
        {
            PasswordLength = 32,
            ExcludeCharacters = "/@\"'\\",
            ExcludeNumbers = false,
            ExcludePunctuation = false,
            ExcludeUppercase = false,
            ExcludeLowercase = false,
            RequireEachIncludedType = true,
        }));
    }

    [Test]
    public void The_templates_variables_shape_the_request()
    {
        var variables = new Dictionary<string, string>
        {
            ["PASSWORD_LENGTH"] = "48",
            ["EXCLUDE_CHARACTERS"] = ":;",
            ["EXCLUDE_NUMBERS"] = "yes",
            ["EXCLUDE_PUNCTUATION"] = "1",
            ["EXCLUDE_UPPERCASE"] = "True",
            ["EXCLUDE_LOWERCASE"] = "no",
            ["REQUIRE_EACH_INCLUDED_TYPE"] = "false",
        };

        var request = RandomPasswordSettings.FromEnvironment(variables.GetValueOrDefault);

        Assert.That(request, Is.EqualTo(new GetRandomPasswordRequest
        {
            PasswordLength = 48,
            ExcludeCharacters = ":;",
            ExcludeNumbers = true,
            ExcludePunctuation = true,
            ExcludeUppercase = true,
            ExcludeLowercase = false,
            RequireEachIncludedType = false,
        }));
    }

    [TestCase("7")]
    [TestCase("4097")]
    [TestCase("32 chars")]
    [TestCase("-1")]
    public void A_password_length_outside_8_to_4096_is_a_configuration_error(string length)
    {
        var error = Assert.Throws<SecretsManagerConfigurationException>(() => RandomPasswordSettings.FromEnvironment(name => name == "PASSWORD_LENGTH" ? length : null));

        Assert.That(error!.Message, Does.Contain("PASSWORD_LENGTH"));
    }
}
