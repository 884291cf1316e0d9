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
}
