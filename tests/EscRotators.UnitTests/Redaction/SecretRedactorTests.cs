using EscRotators.Logging;

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

        Assert.That(redactor.Redact(@"near 'it''s\\x""' at line 1"), Is.EqualTo("near '[redacted]' at line 1"));
        Assert.That(redactor.Redact(@"near 'it\'s\\x\""'"), Is.EqualTo("near '[redacted]'"));
        Assert.That(redactor.Redact("near 'it''s\\x\"'"), Is.EqualTo("near '[redacted]'"));
        Assert.That(redactor.Redact("password it's\\x\" was refused"), Is.EqualTo("password [redacted] was refused"));
    }

    [Test]
    public void A_shorter_secret_that_stands_alone_inside_a_longer_one_does_not_break_it_up()
    {
        var redactor = new SecretRedactor();
        redactor.Add("abc");
        redactor.Add("abc-def");

        Assert.That(redactor.Redact("x abc-def y"), Is.EqualTo("x [redacted] y"));
    }

    [Test]
    public void Redacting_null_is_a_bug_even_without_secrets()
    {
        Assert.Throws<ArgumentNullException>(() => new SecretRedactor().Redact(null!));
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

    [Test]
    public void A_one_character_secret_does_not_garble_words_that_contain_it()
    {
        var redactor = new SecretRedactor();
        redactor.Add("x");

        Assert.That(redactor.Redact("role \"user1\" does not exist"), Is.EqualTo("role \"user1\" does not exist"));
        Assert.That(redactor.Redact("password x was refused"), Is.EqualTo("password [redacted] was refused"));
        Assert.That(redactor.Redact("near 'x'"), Is.EqualTo("near '[redacted]'"));
    }

    [Test]
    public void Only_whole_tokens_are_masked()
    {
        var redactor = new SecretRedactor();
        redactor.Add("abc123");

        Assert.That(redactor.Redact("xabc123 abc1234 abc123"), Is.EqualTo("xabc123 abc1234 [redacted]"));
        Assert.That(redactor.Redact("abc123."), Is.EqualTo("[redacted]."));
    }

    [Test]
    public void Secrets_with_punctuation_at_their_edges_are_masked_wherever_they_appear()
    {
        var redactor = new SecretRedactor();
        redactor.Add("!pw!");

        Assert.That(redactor.Redact("a!pw!b"), Is.EqualTo("a[redacted]b"));
    }
}
