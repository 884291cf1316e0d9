using EscRotators.Protocol;

namespace EscRotators.Rotation;

/// <summary>
/// Form B alternation, exactly the table of docs/protocol.md: rotate the user that is not current, so the
/// credentials applications read keep working while the other user's password changes.
/// </summary>
public sealed class RotationPlanner
{
    public RotationPlan Plan(string username1, string username2, WireState? state)
    {
        ArgumentNullException.ThrowIfNull(username1);
        ArgumentNullException.ThrowIfNull(username2);

        var current = state?.Current;
        if (current is null)
        {
            return new RotationPlan(username1, null);
        }

        // Ordinal: both MySQL and PostgreSQL user names are case-sensitive.
        var next = string.Equals(current.Username, username1, StringComparison.Ordinal) ? username2 : username1;
        return new RotationPlan(next, current);
    }
}
