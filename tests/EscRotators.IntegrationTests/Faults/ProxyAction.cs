namespace EscRotators.IntegrationTests.Faults;

/// <summary>What a <see cref="FaultProxy"/> does with one accepted connection.</summary>
public enum ProxyAction
{
    /// <summary>Connect to the real server and pump bytes both ways until either side closes.</summary>
    Forward,

    /// <summary>Reset the accepted connection at once (RST, no byte sent): the client sees "connection reset".</summary>
    Refuse,

    /// <summary>Keep the accepted connection open and never send a byte (what the client sends is read and dropped): a blackholed server.</summary>
    Stall,
}
