using EscRotators.Redaction;

namespace EscRotators.UnitTests.Redaction;

public sealed class SecretRedactorTests
{
    [Test]
    public void Registered_secrets_are_masked_wherever_they_appear()
    {
        var redactor = new SecretRedactor();
        redactor.Add("hunter2");

        Assert.That(redactor.Redact("a hunter2 b hunter2"), Is.EqualTo("a [redacted] b [redacted]"));
    }

    [Test]
    public void Sql_escaped_forms_are_masked_too()
    {
        var redactor = new SecretRedactor();
        redactor.Add("it's\\x\"");

        Assert.That(redactor.Redact(@"near 'it''s\\x""' at line 1"), Does.Not.Contain("it"));
        Assert.That(redactor.Redact(@"near 'it\'s\\x\""'"), Does.Not.Contain("it"));
        Assert.That(redactor.Redact("near 'it''s\\x\"'"), Does.Not.Contain("it"));
    }

    [Test]
    public void Longer_secret_containing_a_shorter_one_is_masked_whole()
    {
        var redactor = new SecretRedactor();
        redactor.Add("abc");
        redactor.Add("xxabcxx");

        Assert.That(redactor.Redact("[xxabcxx]"), Is.EqualTo("[[redacted]]"));
    }

    [Test]
    public void Null_and_empty_secrets_are_ignored()
    {
        var redactor = new SecretRedactor();
        redactor.Add(null);
        redactor.Add("");

        Assert.That(redactor.Redact("nothing to hide"), Is.EqualTo("nothing to hide"));
    }
}
