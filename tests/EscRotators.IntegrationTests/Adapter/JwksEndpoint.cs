using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>Plays Pulumi Cloud's JWKS endpoint: HTTPS on 127.0.0.1 with a test certificate, counting requests.</summary>
internal sealed class JwksEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private JwksEndpoint(WebApplication app, string document)
    {
        _app = app;
        Document = document;
    }

    public string Document { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public Uri Url { get; private set; } = null!;

    public static async Task<JwksEndpoint> StartAsync(LoopbackCertificate tls, string document)
    {
        ArgumentNullException.ThrowIfNull(tls);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http1;
            l.UseHttps(tls.Certificate);
        }));
        var app = builder.Build();
        var endpoint = new JwksEndpoint(app, document);
        app.Run(async context =>
        {
            Interlocked.Increment(ref endpoint._requests);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(endpoint.Document);
        });
        await app.StartAsync();
        var address = app.Urls.Single();
        endpoint.Url = new Uri(new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)), "/oidc/.well-known/jwks");
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
