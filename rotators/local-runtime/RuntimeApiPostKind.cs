namespace EscRotators.LocalRuntime;

/// <summary>Which Runtime API endpoint a recorded POST went to.</summary>
public enum RuntimeApiPostKind
{
    Response,
    InvocationError,
    InitializationError,
}
