using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using EscRotators.SecretsManager;

namespace EscRotators.UnitTests.SecretsManager;

/// <summary>
/// The node fake of tests/secrets-manager-contract (checked against the official AWS client there) as a child
/// process on 127.0.0.1, over HTTPS with a certificate made here and trusted only by the clients this type hands
/// out. It verifies every signature with @smithy/signature-v4. Stopped by its own process handle.
/// </summary>
internal sealed class FakeSecretsManager : IAsyncDisposable
{
    public const string Region = "eu-west-1";
    public static readonly AwsCredentials Credentials = new("AKIDFAKESM", "fake/secret/access/key/EXAMPLE", "fake-session-token-EXAMPLE");

    private readonly Process _process;
    private readonly string _directory;
    private readonly X509Certificate2 _certificate;
    private readonly HttpClient _control;

    private FakeSecretsManager(Process process, string directory, X509Certificate2 certificate, Uri url)
    {
        _process = process;
        _directory = directory;
        _certificate = certificate;
        Url = url;
        _control = CreateHttpClient();
        _control.BaseAddress = url;
    }

    public Uri Url { get; }

    public static string ContractDirectory { get; } = Path.Combine(RepositoryRoot(), "tests", "secrets-manager-contract");

    public static async Task<FakeSecretsManager> StartAsync()
    {
        await InstallAsync();
        var directory = Directory.CreateTempSubdirectory("sm-fake-").FullName;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(directory, "cert.pem"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(directory, "credentials.json"), CredentialsJson());

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = ContractDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "fake/cli.mjs", "--region", Region, "--credentials", Path.Combine(directory, "credentials.json"),
                     "--tls-cert", Path.Combine(directory, "cert.pem"), "--tls-key", Path.Combine(directory, "key.pem") })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["NODE_NO_WARNINGS"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { TestContext.Progress.WriteLine("[fake-sm] " + e.Data); } };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new InvalidOperationException("the fake Secrets Manager exited before listening");
        var url = new Uri(JsonNode.Parse(line)!["url"]!.GetValue<string>());
        return new FakeSecretsManager(process, directory, certificate, url);
    }

    /// <summary>An HttpClient that trusts exactly this fake's certificate (custom root trust, name checked).</summary>
    public HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    RevocationMode = X509RevocationMode.NoCheck,
                    CustomTrustStore = { X509CertificateLoader.LoadCertificate(_certificate.RawData) },
                },
            },
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public SecretsManagerClient CreateClient(Func<SecretsManagerClientOptions, SecretsManagerClientOptions>? configure = null)
    {
        var options = new SecretsManagerClientOptions(Region, Credentials, Url)
        {
            BaseRetryDelay = TimeSpan.FromMilliseconds(20),
            AttemptTimeout = TimeSpan.FromSeconds(10),
        };
        return new SecretsManagerClient(CreateHttpClient(), configure?.Invoke(options) ?? options, TimeProvider.System);
    }

    /// <summary>The PEM file of the fake's certificate: a process started with <c>SSL_CERT_FILE</c> set to it trusts the fake.</summary>
    public string CertificatePath => Path.Combine(_directory, "cert.pem");

    /// <summary>What a bootstrap process needs to call this fake as Lambda would let it call Secrets Manager.</summary>
    public Dictionary<string, string> LambdaEnvironment() => new()
    {
        ["AWS_REGION"] = Region,
        ["AWS_ACCESS_KEY_ID"] = Credentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = Credentials.SecretAccessKey,
        ["AWS_SESSION_TOKEN"] = Credentials.SessionToken!,
        ["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = Url.ToString(),
        ["SSL_CERT_FILE"] = CertificatePath,
    };

    public async Task SeedAsync(string name, string secretString, string versionId, bool deleted = false, bool rotationEnabled = true)
    {
        var body = new JsonObject
        {
            ["name"] = name, ["secretString"] = secretString, ["versionId"] = versionId, ["deleted"] = deleted, ["rotationEnabled"] = rotationEnabled,
        };
        await PostAsync("__fake/secrets", body.ToJsonString());
    }

    /// <summary>What RotateSecret does before invoking the function: a version under <paramref name="token"/>, no value yet, staged AWSPENDING.</summary>
    public Task StartRotationAsync(string secretId, string token) =>
        PostAsync("__fake/rotations", new JsonObject { ["secretId"] = secretId, ["token"] = token }.ToJsonString());

    /// <summary>Queues faults for the next matching requests: throttle, throttle429, internal, unavailable, silence.</summary>
    public Task QueueFaultsAsync(params string[] kinds) =>
        PostAsync("__fake/faults", new JsonArray([.. kinds.Select(k => (JsonNode)new JsonObject { ["kind"] = k })]).ToJsonString());

    /// <summary>Queues one fault for the next request of <paramref name="operation"/> only.</summary>
    public Task QueueFaultAsync(string kind, string operation) =>
        PostAsync("__fake/faults", new JsonArray(new JsonObject { ["kind"] = kind, ["operation"] = operation }).ToJsonString());

    public async Task<JsonObject> DescribeAsync(string name) =>
        JsonNode.Parse(await _control.GetStringAsync(new Uri("__fake/secrets/" + Uri.EscapeDataString(name), UriKind.Relative)))!.AsObject();

    public async Task<JsonArray> RequestsAsync() =>
        JsonNode.Parse(await _control.GetStringAsync(new Uri("__fake/requests", UriKind.Relative)))!.AsArray();

    public async Task<JsonArray> RotationTokensAsync() =>
        JsonNode.Parse(await _control.GetStringAsync(new Uri("__fake/rotation-tokens", UriKind.Relative)))!.AsArray();

    public async Task ClearRequestsAsync()
    {
        using var response = await _control.DeleteAsync(new Uri("__fake/requests", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The same calls made with the official AWS client (official-calls.mjs); one result per call.</summary>
    public async Task<JsonArray> RunOfficialClientAsync(JsonArray calls)
    {
        var start = new ProcessStartInfo("node", "fake/official-calls.mjs")
        {
            WorkingDirectory = ContractDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NODE_NO_WARNINGS"] = "1";
        // The official client trusts the fake's certificate through node's extra CA file.
        start.Environment["NODE_EXTRA_CA_CERTS"] = Path.Combine(_directory, "cert.pem");
        using var process = Process.Start(start)!;
        var input = new JsonObject
        {
            ["url"] = Url.ToString().TrimEnd('/'),
            ["region"] = Region,
            ["credentials"] = JsonNode.Parse(CredentialsJson())![0]!.DeepClone(),
            ["calls"] = calls.DeepClone(),
        };
        await process.StandardInput.WriteAsync(input.ToJsonString());
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        Assert.That(process.ExitCode, Is.Zero, "official-calls.mjs failed: " + errors);
        return JsonNode.Parse(output)!.AsArray();
    }

    public async ValueTask DisposeAsync()
    {
        _control.Dispose();
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        _process.Dispose();
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task PostAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _control.PostAsync(new Uri(path, UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
    }

    private static string CredentialsJson() =>
        new JsonArray(new JsonObject
        {
            ["accessKeyId"] = Credentials.AccessKeyId,
            ["secretAccessKey"] = Credentials.SecretAccessKey,
            ["sessionToken"] = Credentials.SessionToken,
        }).ToJsonString();

    private static async Task InstallAsync()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "scripts", "test-secrets-manager-contract.sh"));
        start.ArgumentList.Add("--install-only");
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var errors = await process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("npm ci for the fake Secrets Manager failed: " + errors);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EscRotators.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("EscRotators.sln not found above the test directory");
    }
}
