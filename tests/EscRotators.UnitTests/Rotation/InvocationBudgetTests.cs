using EscRotators.Engines;
using EscRotators.Rotation;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Rotation;

public sealed class InvocationBudgetTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp() => _time = new FakeTimeProvider(Start);

    [TestCase(3000, 2)]
    [TestCase(3250, 3)]
    [TestCase(3249, 2)]
    [TestCase(1250, 1)]
    [TestCase(60000, 15)]
    public void Attempt_timeouts_are_whole_seconds_rounded_down_inside_the_reply_margin(int deadlineMs, int seconds)
    {
        var budget = new InvocationBudget(Start.AddMilliseconds(deadlineMs), _time);

        Assert.That(budget.NextAttemptTimeout(TimeSpan.FromSeconds(15)), Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [Test]
    public void Attempt_timeouts_shrink_as_time_passes()
    {
        var budget = new InvocationBudget(Start.AddSeconds(10), _time);
        _time.Advance(TimeSpan.FromSeconds(6));

        Assert.That(budget.NextAttemptTimeout(TimeSpan.FromSeconds(15)), Is.EqualTo(TimeSpan.FromSeconds(3)));
    }

    [Test]
    public void Less_than_a_second_of_work_time_is_a_timeout_that_says_how_much_remained()
    {
        var budget = new InvocationBudget(Start.AddMilliseconds(1000), _time);

        var failure = Assert.Throws<RotationFailedException>(() => budget.NextAttemptTimeout(TimeSpan.FromSeconds(15)));

        Assert.That(failure!.Kind, Is.EqualTo(RotationFailureKind.Timeout));
        Assert.That(failure.Message, Does.StartWith("only 750 ms of work time remain before the deadline"));
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(-60000)]
    public void An_event_already_past_its_deadline_says_so_instead_of_counting_milliseconds(int deadlineMs)
    {
        var budget = new InvocationBudget(Start.AddMilliseconds(deadlineMs), _time);

        var failure = Assert.Throws<RotationFailedException>(() => budget.NextAttemptTimeout(TimeSpan.FromSeconds(15)));

        Assert.That(failure!.Message, Does.StartWith("the invocation's deadline had already passed"));
        Assert.That(failure.Message, Does.Not.Contain(" ms remain"));
    }

    [Test]
    public void Inside_the_margin_but_before_the_deadline_names_the_margin()
    {
        var budget = new InvocationBudget(Start.AddMilliseconds(100), _time);

        var failure = Assert.Throws<RotationFailedException>(() => budget.NextAttemptTimeout(TimeSpan.FromSeconds(15)));

        Assert.That(failure!.Message, Does.StartWith("the deadline is less than 250 ms away"));
    }

    [Test]
    public void The_reply_cancellation_fires_the_margin_before_the_deadline()
    {
        var budget = new InvocationBudget(Start.AddSeconds(3), _time);
        using var replyDue = budget.CancelWhenReplyIsDue();

        _time.Advance(TimeSpan.FromMilliseconds(2749));
        Assert.That(replyDue.IsCancellationRequested, Is.False);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(replyDue.IsCancellationRequested, Is.True);
    }

    [Test]
    public void The_reply_cancellation_has_fired_already_when_the_deadline_is_inside_the_margin()
    {
        var budget = new InvocationBudget(Start.AddMilliseconds(100), _time);
        using var replyDue = budget.CancelWhenReplyIsDue();

        Assert.That(replyDue.IsCancellationRequested, Is.True);
    }

    [Test]
    public void A_deadline_beyond_what_a_timer_takes_never_cancels()
    {
        var budget = new InvocationBudget(Start.AddDays(100), _time);
        using var replyDue = budget.CancelWhenReplyIsDue();

        _time.Advance(TimeSpan.FromDays(60));
        Assert.That(replyDue.IsCancellationRequested, Is.False);
    }

    [Test]
    public void A_short_local_timeout_keeps_back_a_tenth_of_itself()
    {
        var budget = InvocationBudget.StartingNow(TimeSpan.FromSeconds(2), _time);

        Assert.That(budget.Deadline, Is.EqualTo(Start.AddSeconds(2)));
        Assert.That(budget.Margin, Is.EqualTo(TimeSpan.FromMilliseconds(200)));
        Assert.That(InvocationBudget.StartingNow(TimeSpan.FromSeconds(30), _time).Margin, Is.EqualTo(InvocationBudget.ReplyMargin));
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    public void A_budget_needs_a_positive_timeout(double seconds)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => InvocationBudget.StartingNow(TimeSpan.FromSeconds(seconds), _time));

        Assert.That(ex?.ParamName, Is.EqualTo("timeout"));
        Assert.That(ex?.Message, Does.StartWith("the timeout must be positive"));
    }

    [Test]
    public void A_budget_needs_a_clock()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new InvocationBudget(Start, null!))?.ParamName, Is.EqualTo("time"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => InvocationBudget.StartingNow(TimeSpan.FromSeconds(1), null!))?.ParamName, Is.EqualTo("time"));
    }

    [Test]
    public void Work_time_just_past_the_longest_timer_is_treated_as_no_deadline()
    {
        // uint.MaxValue ms of work time is 1 ms more than a timer accepts, so no timer may be asked for.
        var budget = new InvocationBudget(Start + InvocationBudget.ReplyMargin + TimeSpan.FromMilliseconds(uint.MaxValue), _time);

        using var replyDue = budget.CancelWhenReplyIsDue();

        Assert.That(replyDue.IsCancellationRequested, Is.False);
    }
}
