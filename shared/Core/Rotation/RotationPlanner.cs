namespace EscRotators.Rotation;

/// <summary>
/// Form B alternation, exactly the table of docs/protocol.md: rotate the user that is not current, so the
/// credentials applications read keep working while the other user's password changes.
/// </summary>
public sealed class RotationPlanner
{
    public RotationPlan Plan(string username1, string username2, StoredCredential? current)
    {
        ArgumentNullException.ThrowIfNull(username1);
        ArgumentNullException.ThrowIfNull(username2);
        if (current is null)
        {
            return new RotationPlan(username1, null);
        }

        // Ordinal: both MySQL and PostgreSQL user names are case-sensitive.
        var next = string.Equals(current.Username, username1, StringComparison.Ordinal) ? username2 : username1;
        return new RotationPlan(next, current);
    }
}

/// <summary>The outcome of alternation: whom to rotate, and what becomes <c>previous</c>.</summary>
/// <param name="UserToRotate">The user whose password changes; never the current user.</param>
/// <param name="Previous">The old current, returned as <c>previous</c>; null when there was none.</param>
public sealed record RotationPlan(string UserToRotate, StoredCredential? Previous);
