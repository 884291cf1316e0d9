using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>
/// Plays Pulumi Cloud's JWKS endpoint: HTTPS on 127.0.0.1 with a test certificate, one HTTP/1.1 response per
/// connection, counting requests. A plain TcpListener and SslStream: the test project stays off ASP.NET Core's shared
/// framework, whose assemblies would then be missing next to the bootstrap the other tests run from this directory.
/// </summary>
internal sealed class JwksEndpoint : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly LoopbackCertificate _tls;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private int _requests;

    private JwksEndpoint(TcpListener listener, LoopbackCertificate tls, string document)
    {
        _listener = listener;
        _tls = tls;
        Document = document;
        Url = new Uri($"https://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/oidc/.well-known/jwks");
        _accepting = AcceptAsync();
    }

    public string Document { get; set; }

    /// <summary>The status answered; a 3xx one points <c>Location</c> at another path of this endpoint.</summary>
    public int Status { get; set; } = 200;

    public int Requests => Volatile.Read(ref _requests);

    public Uri Url { get; }

    public static Task<JwksEndpoint> StartAsync(LoopbackCertificate tls, string document)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new JwksEndpoint(listener, tls, document));
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(_tls.Certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                var request = new StringBuilder();
                var buffer = new byte[4096];
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await tls.ReadAsync(buffer, _stopping.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }

                Interlocked.Increment(ref _requests);
                var body = Encoding.UTF8.GetBytes(Document);
                var status = Status;
                var location = status is >= 300 and <= 399 ? $"Location: {new Uri(Url, "/elsewhere")}\r\n" : "";
                var head = $"HTTP/1.1 {status} Status\r\n{location}Content-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), _stopping.Token);
                await tls.WriteAsync(body, _stopping.Token);
                await tls.FlushAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // A client that went away or refused our certificate: nothing to answer.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stopping.Dispose();
    }
}
