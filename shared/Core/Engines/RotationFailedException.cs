namespace EscRotators.Engines;

/// <summary>
/// A rotation step failed for a reason the caller can act on. <see cref="Exception.Message"/> is shown to
/// the caller as is, so it must say what to fix and must never contain a password.
/// </summary>
public sealed class RotationFailedException : Exception
{
    public RotationFailedException(RotationFailureKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public RotationFailureKind Kind { get; }

    /// <summary>
    /// True when the password statement had been sent but no answer came back, so the password may have changed.
    /// </summary>
    public bool OutcomeUnknown { get; init; }

    /// <summary>This failure, marked as having left the password's outcome unknown.</summary>
    public RotationFailedException AsOutcomeUnknown() =>
        OutcomeUnknown ? this : new RotationFailedException(Kind, Message, InnerException) { OutcomeUnknown = true };
}
