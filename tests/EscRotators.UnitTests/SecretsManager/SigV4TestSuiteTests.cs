using System.Text;
using System.Text.Json;
using EscRotators.SecretsManager;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.SecretsManager;

/// <summary>AWS's published SigV4 test suite (fixtures/sigv4-test-suite.json names the source of each case).</summary>
public sealed class SigV4TestSuiteTests
{
    private static readonly JsonDocument Suite = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "SecretsManager", "fixtures", "sigv4-test-suite.json")));

    public static IEnumerable<TestCaseData> Cases() =>
        Suite.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new TestCaseData(c.GetProperty("name").GetString()).SetName("Suite case {0} signs as AWS publishes"));

    [TestCaseSource(nameof(Cases))]
    public void Suite_case_signs_as_published(string name)
    {
        var root = Suite.RootElement;
        var testCase = root.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var credentials = new AwsCredentials(
            root.GetProperty("accessKeyId").GetString()!,
            root.GetProperty("secretAccessKey").GetString()!,
            testCase.TryGetProperty("sessionToken", out var token) ? token.GetString() : null);
        var time = new FakeTimeProvider(DateTimeOffset.Parse(root.GetProperty("signingTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        var signer = new SigV4Signer(credentials, root.GetProperty("region").GetString()!, root.GetProperty("service").GetString()!, time);

        var signature = signer.Sign(new SigV4Request(
            testCase.GetProperty("method").GetString()!,
            testCase.GetProperty("path").GetString()!,
            Pairs(testCase.GetProperty("query")),
            Pairs(testCase.GetProperty("headers")),
            SigV4Signer.Sha256Hex(Encoding.UTF8.GetBytes(testCase.GetProperty("body").GetString()!))));

        Assert.Multiple(() =>
        {
            Assert.That(signature.Authorization, Is.EqualTo(testCase.GetProperty("authorization").GetString()));
            Assert.That(signature.AmzDate, Is.EqualTo("20150830T123600Z"));
        });
    }

    [Test]
    public void Canonical_request_of_the_form_post_matches_the_suite_layout()
    {
        // post-x-www-form-urlencoded, canonical request as the classic suite's .creq file lays it out.
        var request = new SigV4Request("POST", "/", [],
            [new("Content-Type", "application/x-www-form-urlencoded"), new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")],
            SigV4Signer.Sha256Hex("Param1=value1"u8));

        var canonical = SigV4Signer.CanonicalRequest(request, out var signedHeaders);

        Assert.That(canonical, Is.EqualTo(
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            + "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"));
        Assert.That(signedHeaders, Is.EqualTo("content-type;host;x-amz-date"));
    }

    [Test]
    public void Headers_the_signer_owns_are_refused_from_the_caller()
    {
        var signer = new SigV4Signer(new AwsCredentials("AKID", "secret"), "us-east-1", "service", new FakeTimeProvider());
        Assert.Throws<ArgumentException>(() => signer.Sign(new SigV4Request("POST", "/", [], [new("X-Amz-Date", "20150830T123600Z")], SigV4Signer.Sha256Hex([]))));
    }

    [Test]
    public void Credentials_print_without_secret_or_token()
    {
        var text = new AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "FwoGZXIvYXdzEXAMPLETOKEN").ToString();
        Assert.That(text, Does.Contain("AKIDEXAMPLE").And.Not.Contain("wJalrXUtnFEMI").And.Not.Contain("FwoGZXIvYXdzEXAMPLETOKEN"));
    }

    private static List<KeyValuePair<string, string>> Pairs(JsonElement array) =>
        array.EnumerateArray()
            .Where(p => !p[0].GetString()!.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase))
            .Select(p => new KeyValuePair<string, string>(p[0].GetString()!, p[1].GetString()!)).ToList();
}
