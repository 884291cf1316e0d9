namespace EscRotators.Engines;

/// <summary>Where in a rotation a database call failed; decides the wording and whether the outcome is known.</summary>
public enum DatabaseStep
{
    /// <summary>Opening the connection and logging in.</summary>
    Connecting,

    /// <summary>Claiming the rotated user with an advisory lock.</summary>
    Claiming,

    /// <summary>Checking that the claimed user is neither the managing user nor an administrative account; nothing has changed yet.</summary>
    CheckingTarget,

    /// <summary>Preparing the password statement; nothing has changed yet.</summary>
    PreparingPassword,

    /// <summary>The password statement was sent: without an answer, the password may or may not have changed.</summary>
    PasswordSent,

    /// <summary>The rotated user's check login (<c>SELECT 1</c>).</summary>
    Verifying,
}
