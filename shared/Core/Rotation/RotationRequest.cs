using EscRotators.Engines;

namespace EscRotators.Rotation;

/// <summary>
/// A validated event: everything a rotation needs, nothing left to check. One subtype per form, so each form's fields
/// exist only where they are set: <see cref="ConnectorRequest"/> (Form A) and <see cref="FullRotationRequest"/> (Form B,
/// which the HTTPS adapter's requests also map onto).
/// </summary>
public abstract class RotationRequest
{
    private protected RotationRequest(DatabaseEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
    }

    /// <summary>Where to connect, and the managing user.</summary>
    public DatabaseEndpoint Endpoint { get; }
}
