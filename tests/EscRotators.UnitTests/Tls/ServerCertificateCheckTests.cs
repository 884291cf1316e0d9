using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EscRotators.Tls;

namespace EscRotators.UnitTests.Tls;

public sealed class ServerCertificateCheckTests
{
    private static X509Certificate2 _ca = null!;
    private static X509Certificate2 _otherCa = null!;
    private static X509Certificate2 _server = null!;

    [OneTimeSetUp]
    public static void CreateCertificates()
    {
        _ca = CreateCa("Test CA");
        _otherCa = CreateCa("Other CA");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=db", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        _server = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
    }

    [OneTimeTearDown]
    public static void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        _server.Dispose();
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static ServerCertificateCheck Check(TlsMode mode, X509Certificate2? ca, string host = "localhost") =>
        new(new TlsSettings(mode, ca is null ? null : new X509Certificate2Collection(ca)), host);

    [Test]
    public void ApplyTo_wires_the_check_and_its_custom_root_policy_into_a_tls_client()
    {
        var check = Check(TlsMode.VerifyFull, _ca);

        var options = check.ApplyTo(new SslClientAuthenticationOptions());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.RemoteCertificateValidationCallback, Is.Not.Null);
            Assert.That(options.RemoteCertificateValidationCallback!(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.True);
            Assert.That(Check(TlsMode.VerifyFull, _otherCa).ApplyTo(new SslClientAuthenticationOptions())
                .RemoteCertificateValidationCallback!(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.False);
            Assert.That(options.CertificateChainPolicy?.TrustMode, Is.EqualTo(X509ChainTrustMode.CustomRootTrust));
            Assert.That(options.CertificateChainPolicy?.CustomTrustStore, Has.Count.EqualTo(1));
        }
    }

    [Test]
    public void Verify_full_accepts_a_certificate_from_the_bundle_that_names_the_host()
    {
        var check = Check(TlsMode.VerifyFull, _ca);

        Assert.That(check.Validate(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.True);
        Assert.That(check.FailureReason, Is.Null);
    }

    [Test]
    public void A_certificate_from_another_ca_is_refused_as_untrusted()
    {
        var check = Check(TlsMode.VerifyFull, _otherCa);

        Assert.That(check.Validate(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.False);
        Assert.That(check.FailureReason, Does.Contain("not trusted").And.Contain("not signed by a trusted CA"));
    }

    [Test]
    public void Verify_full_refuses_a_host_name_mismatch_and_says_so()
    {
        var check = Check(TlsMode.VerifyFull, _ca, "127.0.0.1");

        Assert.That(check.Validate(this, _server, null, SslPolicyErrors.RemoteCertificateNameMismatch), Is.False);
        Assert.That(check.FailureReason, Does.Contain("does not match the host name \"127.0.0.1\""));
    }

    [Test]
    public void Verify_ca_ignores_the_host_name()
    {
        var check = Check(TlsMode.VerifyCA, _ca, "127.0.0.1");

        Assert.That(check.Validate(this, _server, null, SslPolicyErrors.RemoteCertificateNameMismatch), Is.True);
    }

    [TestCase(TlsMode.Prefer)]
    [TestCase(TlsMode.Require)]
    public void Non_verifying_modes_accept_any_certificate(TlsMode mode)
    {
        Assert.That(Check(mode, null).Validate(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.True);
    }

    [Test]
    public void Without_a_bundle_the_system_chain_verdict_is_used()
    {
        var check = Check(TlsMode.VerifyCA, null);

        Assert.That(check.Validate(this, _server, null, SslPolicyErrors.None), Is.True);
        Assert.That(check.Validate(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.False);
    }

    [Test]
    public void Without_a_bundle_the_system_store_we_load_decides_not_the_process_store()
    {
        var directory = Directory.CreateTempSubdirectory("esc-trust-");
        try
        {
            var bundle = Path.Combine(directory.FullName, "roots.pem");
            File.WriteAllText(bundle, _ca.ExportCertificatePem());
            var withCa = new SystemTrustStore(bundle, null);
            var withoutCa = new SystemTrustStore(Path.Combine(directory.FullName, "missing.pem"), null);

            // The TLS layer's own verdict (chain errors, as with an emptied process store) is not what decides.
            Assert.That(new ServerCertificateCheck(new TlsSettings(TlsMode.VerifyCA, null), "localhost", withCa)
                .Validate(this, _server, null, SslPolicyErrors.RemoteCertificateChainErrors), Is.True);
            Assert.That(new ServerCertificateCheck(new TlsSettings(TlsMode.VerifyCA, null), "localhost", withoutCa)
                .Validate(this, _server, null, SslPolicyErrors.None), Is.False);
            Assert.That(withCa.Roots, Has.Count.EqualTo(1));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Test]
    public void System_store_location_follows_openssl_environment_variables()
    {
        var store = SystemTrustStore.FromEnvironment(name => name switch
        {
            "SSL_CERT_FILE" => "/custom/bundle.pem",
            "SSL_CERT_DIR" => "/custom/certs",
            _ => null,
        });

        Assert.That(store.BundleFile, Is.EqualTo("/custom/bundle.pem"));
        Assert.That(store.Directory, Is.EqualTo("/custom/certs"));
    }

    [Test]
    public void A_missing_certificate_is_refused()
    {
        var check = Check(TlsMode.VerifyCA, _ca);

        Assert.That(check.Validate(this, null, null, SslPolicyErrors.RemoteCertificateNotAvailable), Is.False);
        Assert.That(check.FailureReason, Does.Contain("no certificate"));
    }

    [Test]
    public void Ca_bundle_reads_several_pem_certificates()
    {
        var pem = _ca.ExportCertificatePem() + "\n" + _otherCa.ExportCertificatePem();

        Assert.That(CaBundle.TryParse(pem), Has.Count.EqualTo(2));
        Assert.That(CaBundle.TryParse("garbage"), Is.Null);
    }
}
