namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>How a test drives the rotator: the dispatcher in this process, or the built bootstrap executable.</summary>
public enum RotatorPath
{
    InProcess,
    Bootstrap,
}
