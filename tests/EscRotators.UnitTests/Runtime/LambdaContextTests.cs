using EscRotators.Runtime;
using NUnit.Framework;

namespace EscRotators.UnitTests.Runtime;

[TestFixture]
public sealed class LambdaContextTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void Remaining_time_counts_down_with_the_time_provider()
    {
        var time = new ManualTimeProvider(Start);
        var context = new LambdaContext("req", Start.AddSeconds(5), null, null, time);

        time.Advance(TimeSpan.FromSeconds(2));

        Assert.That(context.RemainingTime, Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public void Remaining_time_is_never_negative()
    {
        var time = new ManualTimeProvider(Start);
        var context = new LambdaContext("req", Start.AddSeconds(1), null, null, time);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.That(context.RemainingTime, Is.EqualTo(TimeSpan.Zero));
    }
}
