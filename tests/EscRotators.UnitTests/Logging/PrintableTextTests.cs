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

    // Built in code: an attribute stores its strings as UTF-8, which cannot hold a lone surrogate. Each case is
    // named, because a lone surrogate in a generated test name breaks the test host's UTF-8 result stream.
    private static readonly TestCaseData[] EscapeCases =
    [
        new TestCaseData("a\nb", "a\\nb").SetArgDisplayNames("LF"),
        new TestCaseData("a\rb", "a\\rb").SetArgDisplayNames("CR"),
        new TestCaseData("a\tb", "a\\tb").SetArgDisplayNames("TAB"),
        new TestCaseData("a\u0000b", "a\\u0000b").SetArgDisplayNames("NUL"),
        new TestCaseData("\U0001F600", "\U0001F600").SetArgDisplayNames("surrogate pair alone"),
        new TestCaseData("x\U0001F600y", "x\U0001F600y").SetArgDisplayNames("surrogate pair inside"),
        new TestCaseData("a\udc00", "a\\udc00").SetArgDisplayNames("lone low surrogate"),
        new TestCaseData("a\ud800", "a\\ud800").SetArgDisplayNames("lone high surrogate at the end"),
        new TestCaseData("\ud800b", "\\ud800b").SetArgDisplayNames("lone high surrogate before a letter"),
    ];

    [TestCaseSource(nameof(EscapeCases))]
    public void AppendEscaped_escapes_controls_and_lone_surrogates_but_keeps_surrogate_pairs(string text, string expected) =>
        Assert.That(PrintableText.AppendEscaped(new System.Text.StringBuilder("> "), text).ToString(), Is.EqualTo("> " + expected));

    private static readonly TestCaseData[] NeedsEscapingCases =
    [
        new TestCaseData("plain", false).SetArgDisplayNames("plain"),
        new TestCaseData("\U0001F600", false).SetArgDisplayNames("surrogate pair alone"),
        new TestCaseData("x\U0001F600", false).SetArgDisplayNames("surrogate pair at the end"),
        new TestCaseData("a\udc00", true).SetArgDisplayNames("lone low surrogate"),
        new TestCaseData("a\ud800", true).SetArgDisplayNames("lone high surrogate at the end"),
        new TestCaseData("\ud800b", true).SetArgDisplayNames("lone high surrogate before a letter"),
        new TestCaseData("a\u202e", true).SetArgDisplayNames("right-to-left override"),
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
