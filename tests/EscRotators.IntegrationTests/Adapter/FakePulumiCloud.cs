using EscRotators.Tests.Adapter;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>Plays Pulumi Cloud for the adapter: a token issuer, and its JWKS over HTTPS on 127.0.0.1 with a test certificate.</summary>
internal sealed class FakePulumiCloud : IAsyncDisposable
{
    private FakePulumiCloud(LoopbackCertificate tls, TestTokenIssuer issuer, JwksEndpoint jwks)
    {
        Tls = tls;
        Issuer = issuer;
        Jwks = jwks;
    }

    /// <summary>The certificate of the JWKS endpoint, also usable for the adapter's own HTTPS.</summary>
    public LoopbackCertificate Tls { get; }

    public TestTokenIssuer Issuer { get; }

    public JwksEndpoint Jwks { get; }

    public static async Task<FakePulumiCloud> StartAsync()
    {
        var tls = LoopbackCertificate.Create();
        var issuer = new TestTokenIssuer();
        return new FakePulumiCloud(tls, issuer, await JwksEndpoint.StartAsync(tls, issuer.Jwks()));
    }

    public async ValueTask DisposeAsync()
    {
        await Jwks.DisposeAsync();
        Issuer.Dispose();
        Tls.Dispose();
    }
}
