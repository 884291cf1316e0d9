using EscRotators.Logging;

namespace EscRotators.UnitTests.Logging;

public sealed class PrintableTextTests
{
    [TestCase(null, 8, "(none)")]
    [TestCase("RS512", 8, "\"RS512\"")]
    [TestCase("0123456789", 4, "\"0123…\"")]
    [TestCase("a\nb\u202Ec", 8, "\"a\\nb\\u202ec\"")]
    public void Quote_bounds_escapes_and_quotes(string? text, int maxLength, string expected)
    {
        Assert.That(PrintableText.Quote(text, maxLength), Is.EqualTo(expected));
    }

    [Test]
    public void Quote_never_cuts_a_surrogate_pair_in_half()
    {
        Assert.That(PrintableText.Quote("ab😀cd", 3), Is.EqualTo("\"ab…\""));
    }

    [Test]
    public void Quote_bounds_what_it_escapes_so_a_long_line_of_control_characters_stays_short()
    {
        var quoted = PrintableText.Quote(new string('\u0001', 10_000), 40);

        Assert.That(quoted, Has.Length.LessThanOrEqualTo(40 * 6 + 3));
    }

    [TestCase("mysql", 40, "mysql")]
    [TestCase("abcdef", 3, "abc…")]
    [TestCase("a\nb\u0000c\u202Ed", 40, "a?b?c?d")]
    [TestCase("", 5, "")]
    public void Shorten_bounds_and_replaces_what_is_not_printable(string text, int maxLength, string expected) =>
        Assert.That(PrintableText.Shorten(text, maxLength), Is.EqualTo(expected));

    // Built in code: an attribute stores its strings as UTF-8, which cannot hold a lone surrogate.
    private static readonly object[] EscapeCases =
    [
        new object[] { "a\nb", "a\\nb" },
        new object[] { "a\rb", "a\\rb" },
        new object[] { "a\tb", "a\\tb" },
        new object[] { "a\u0000b", "a\\u0000b" },
        new object[] { "\U0001F600", "\U0001F600" },
        new object[] { "x\U0001F600y", "x\U0001F600y" },
        new object[] { "a\udc00", "a\\udc00" },
        new object[] { "a\ud800", "a\\ud800" },
        new object[] { "\ud800b", "\\ud800b" },
    ];

    [TestCaseSource(nameof(EscapeCases))]
    public void AppendEscaped_escapes_controls_and_lone_surrogates_but_keeps_surrogate_pairs(string text, string expected) =>
        Assert.That(PrintableText.AppendEscaped(new System.Text.StringBuilder("> "), text).ToString(), Is.EqualTo("> " + expected));

    private static readonly object[] NeedsEscapingCases =
    [
        new object[] { "plain", false },
        new object[] { "\U0001F600", false },
        new object[] { "x\U0001F600", false },
        new object[] { "a\udc00", true },
        new object[] { "a\ud800", true },
        new object[] { "\ud800b", true },
        new object[] { "a\u202e", true },
    ];

    [TestCaseSource(nameof(NeedsEscapingCases))]
    public void NeedsEscaping_is_true_exactly_when_AppendEscaped_would_change_the_text(string text, bool expected)
    {
        Assert.That(PrintableText.NeedsEscaping(text), Is.EqualTo(expected));
        Assert.That(PrintableText.AppendEscaped(new System.Text.StringBuilder(), text).ToString() != text, Is.EqualTo(expected));
    }

    [TestCase("abcd", 4, "\"abcd\"")]
    [TestCase("abcd", 0, "\"…\"")]
    [TestCase("", 0, "\"\"")]
    public void Quote_cuts_only_text_longer_than_the_limit(string text, int maxLength, string expected) =>
        Assert.That(PrintableText.Quote(text, maxLength), Is.EqualTo(expected));

    [TestCase("abc", 3, "abc")]
    [TestCase("abc", 0, "…")]
    public void Shorten_cuts_only_text_longer_than_the_limit(string text, int maxLength, string expected) =>
        Assert.That(PrintableText.Shorten(text, maxLength), Is.EqualTo(expected));

    [Test]
    public void Arguments_that_are_null_or_a_negative_limit_are_refused_by_name()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => PrintableText.AppendEscaped(null!, "a"))!.ParamName, Is.EqualTo("builder"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => PrintableText.AppendEscaped(new System.Text.StringBuilder(), null!))!.ParamName, Is.EqualTo("text"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => PrintableText.NeedsEscaping(null!))!.ParamName, Is.EqualTo("text"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => PrintableText.Shorten(null!, 3))!.ParamName, Is.EqualTo("text"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => PrintableText.Shorten("abc", -1))!.ParamName, Is.EqualTo("maxLength"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => PrintableText.Quote("abc", -1))!.ParamName, Is.EqualTo("maxLength"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => PrintableText.Quote(null, -1))!.ParamName, Is.EqualTo("maxLength"));
    }
}
