using EscRotators.Rotation;
using EscRotators.Protocol;

namespace EscRotators.UnitTests.Planning;

public sealed class RotationPlannerTests
{
    private readonly RotationPlanner _planner = new();

    private static WireState State(string? current, string? previous = null) => new()
    {
        Current = current is null ? null : new WireCredentials { Username = current, Password = current + "-pw" },
        Previous = previous is null ? null : new WireCredentials { Username = previous, Password = previous + "-pw" },
    };

    [Test]
    public void Absent_state_rotates_username1_with_no_previous()
    {
        var plan = _planner.Plan("user1", "user2", null);

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.Null);
    }

    [Test]
    public void State_without_current_rotates_username1_with_no_previous()
    {
        var plan = _planner.Plan("user1", "user2", State(null, "user2"));

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.Null);
    }

    [Test]
    public void Current_username1_rotates_username2_and_keeps_old_current_as_previous()
    {
        var state = State("user1", "user2");
        var plan = _planner.Plan("user1", "user2", state);

        Assert.That(plan.UserToRotate, Is.EqualTo("user2"));
        Assert.That(plan.Previous, Is.SameAs(state.Current));
    }

    [Test]
    public void Current_username2_rotates_username1_and_keeps_old_current_as_previous()
    {
        var state = State("user2", "user1");
        var plan = _planner.Plan("user1", "user2", state);

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.SameAs(state.Current));
    }

    [TestCase("someone-else")]
    [TestCase("USER1")]
    [TestCase("")]
    public void Any_other_current_rotates_username1_and_keeps_old_current_as_previous(string current)
    {
        var state = State(current);
        var plan = _planner.Plan("user1", "user2", state);

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.SameAs(state.Current));
    }

    [Test]
    public void Current_with_null_username_rotates_username1()
    {
        var state = new WireState { Current = new WireCredentials { Username = null, Password = "x" } };

        Assert.That(_planner.Plan("user1", "user2", state).UserToRotate, Is.EqualTo("user1"));
    }

    [Test]
    public void The_current_user_is_never_the_one_rotated()
    {
        foreach (var current in new[] { "user1", "user2" })
        {
            Assert.That(_planner.Plan("user1", "user2", State(current)).UserToRotate, Is.Not.EqualTo(current));
        }
    }
}
