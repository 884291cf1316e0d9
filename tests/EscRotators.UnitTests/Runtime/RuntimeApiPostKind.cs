namespace EscRotators.UnitTests.Runtime;

/// <summary>Which Runtime API endpoint a recorded POST went to.</summary>
internal enum RuntimeApiPostKind
{
    Response,
    InvocationError,
    InitializationError,
}
