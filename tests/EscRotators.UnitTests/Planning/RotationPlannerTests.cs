using EscRotators.Rotation;

namespace EscRotators.UnitTests.Planning;

public sealed class RotationPlannerTests
{
    private readonly RotationPlanner _planner = new();

    private static StoredCredential Current(string username) => new(username, username + "-pw");

    [Test]
    public void Absent_current_rotates_username1_with_no_previous()
    {
        var plan = _planner.Plan("user1", "user2", null);

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.Null);
    }

    [Test]
    public void Current_username1_rotates_username2_and_keeps_old_current_as_previous()
    {
        var current = Current("user1");
        var plan = _planner.Plan("user1", "user2", current);

        Assert.That(plan.UserToRotate, Is.EqualTo("user2"));
        Assert.That(plan.Previous, Is.SameAs(current));
    }

    [Test]
    public void Current_username2_rotates_username1_and_keeps_old_current_as_previous()
    {
        var current = Current("user2");
        var plan = _planner.Plan("user1", "user2", current);

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.SameAs(current));
    }

    [TestCase("someone-else")]
    [TestCase("USER1")]
    [TestCase("")]
    public void Any_other_current_rotates_username1_and_keeps_old_current_as_previous(string username)
    {
        var current = Current(username);
        var plan = _planner.Plan("user1", "user2", current);

        Assert.That(plan.UserToRotate, Is.EqualTo("user1"));
        Assert.That(plan.Previous, Is.SameAs(current));
    }

    [Test]
    public void Current_with_null_username_rotates_username1()
    {
        var current = new StoredCredential(null, "x");

        Assert.That(_planner.Plan("user1", "user2", current).UserToRotate, Is.EqualTo("user1"));
    }

    [Test]
    public void The_current_user_is_never_the_one_rotated()
    {
        foreach (var username in new[] { "user1", "user2" })
        {
            Assert.That(_planner.Plan("user1", "user2", Current(username)).UserToRotate, Is.Not.EqualTo(username));
        }
    }

    [Test]
    public void Missing_user_names_are_refused_by_name()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => _planner.Plan(null!, "user2", null))?.ParamName, Is.EqualTo("username1"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _planner.Plan("user1", null!, null))?.ParamName, Is.EqualTo("username2"));
    }
}
