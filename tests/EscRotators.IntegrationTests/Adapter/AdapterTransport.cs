namespace EscRotators.IntegrationTests.Adapter;

/// <summary>The two ways a Form C request reaches the adapter.</summary>
public enum AdapterTransport
{
    /// <summary>esc-rotator-server over HTTPS.</summary>
    Server,

    /// <summary>A Function URL event (payload format 2.0) through the published bootstrap and the Runtime API.</summary>
    FunctionUrl,
}
