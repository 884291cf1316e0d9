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
    public void Default_backoff_gives_up_after_a_bounded_number_of_attempts()
    {
        Assert.That(NextInvocationBackoff.Default.MaxAttempts, Is.InRange(2, 20));
    }
}
