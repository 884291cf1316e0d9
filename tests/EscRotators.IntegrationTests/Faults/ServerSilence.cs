using System.Text;

namespace EscRotators.IntegrationTests.Faults;

/// <summary>
/// When a forwarded connection's server goes silent: from the moment the client has sent <see cref="Pattern"/>
/// (plaintext protocols), or once one read from the client is exactly <see cref="ClientReadSize"/> bytes long (TLS,
/// where nothing can be matched but a statement's record keeps its size from one run to the next), every byte the server sends is read and dropped. The client's bytes still reach the server, so
/// the statement runs there; only its answer never comes back.
/// </summary>
/// <param name="Hangup">Instead of going silent, pass the triggering bytes on and then reset the client's connection.</param>
public sealed record ServerSilence(byte[]? Pattern, int? ClientReadSize, bool Hangup = false)
{
    public static ServerSilence AfterClientSends(string text) => new(Encoding.UTF8.GetBytes(text), null);

    public static ServerSilence HangupAfterClientSends(string text) => new(Encoding.UTF8.GetBytes(text), null, Hangup: true);

    public static ServerSilence AfterClientReadOfSize(int bytes) => new(null, bytes);
}
