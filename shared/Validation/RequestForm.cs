namespace EscRotators.Validation;

/// <summary>The two request shapes of PROTOCOL.md.</summary>
public enum RequestForm
{
    /// <summary>Form A: ESC chose the user and the password; apply it.</summary>
    ConnectorRequest,

    /// <summary>Form B: alternate the two users and generate the password here.</summary>
    FullRotation,
}
