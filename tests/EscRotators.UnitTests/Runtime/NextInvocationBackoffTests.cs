using EscRotators.Runtime;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class NextInvocationBackoffTests
{
    [TestCase(1, 100)]
    [TestCase(2, 200)]
    [TestCase(3, 400)]
    [TestCase(4, 800)]
    [TestCase(5, 1000)]
    [TestCase(60, 1000)]
    public void Default_backoff_doubles_from_100_ms_and_is_capped_at_1_s(int failures, int expectedMilliseconds)
    {
        Assert.That(
            NextInvocationBackoff.Default.DelayAfter(failures),
            Is.EqualTo(TimeSpan.FromMilliseconds(expectedMilliseconds)));
    }

    [Test]
    public void Default_backoff_gives_up_at_the_tenth_failure_after_6_5_s_of_pauses()
    {
        // The loop pauses after each failure but the last (LambdaBootstrap.GetNextInvocationAsync).
        var backoff = NextInvocationBackoff.Default;
        var pauses = Enumerable.Range(1, backoff.MaxAttempts - 1).Sum(failures => backoff.DelayAfter(failures).TotalMilliseconds);

        Assert.That(backoff.MaxAttempts, Is.EqualTo(10));
        Assert.That(pauses, Is.EqualTo(6500));
    }
}
