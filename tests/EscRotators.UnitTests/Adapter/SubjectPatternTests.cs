using EscRotators.Adapter;

namespace EscRotators.UnitTests.Adapter;

public sealed class SubjectPatternTests
{
    [TestCase("pulumi:environments:org:acme:env:db/*", "pulumi:environments:org:acme:env:db/rotated", true)]
    [TestCase("pulumi:environments:org:acme:env:db/*", "pulumi:environments:org:acme:env:db/", true)]
    [TestCase("pulumi:environments:org:acme:env:db/*", "pulumi:environments:org:acme:env:web/app", false)]
    [TestCase("pulumi:environments:org:acme:env:db/*", "pulumi:environments:org:evil:env:db/x", false)]
    [TestCase("pulumi:*:org:acme:*", "pulumi:environments:org:acme:env:x", true)]
    [TestCase("exact", "exact", true)]
    [TestCase("exact", "exactly", false)]
    [TestCase("exact", "Exact", false)]
    [TestCase("a?c", "abc", true)]
    [TestCase("a?c", "ac", false)]
    [TestCase("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void Globs_match_star_and_question_mark_only(string pattern, string subject, bool matches) =>
        Assert.That(new SubjectPattern(pattern).Matches(subject), Is.EqualTo(matches));
}
