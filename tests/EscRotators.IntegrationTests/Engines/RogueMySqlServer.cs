using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Engines;

/// <summary>
/// A MySQL server that wants the client's password: it offers TLS with a throwaway self-signed certificate, then asks
/// for the password itself in one of the ways the protocol allows, serves its own RSA key to a client that asks, and
/// keeps every password it can recover (in the clear, or decrypted with its key). With <c>attackSecondLogin</c> it
/// lets the first login in with a hash-based login and plays the rotation's statements, so that the attack meets the
/// verification login instead. Started with <see cref="StartServing"/> it attacks nothing: it plays a MySQL 8.0 (or
/// MariaDB) server whose catalog reports the rotated account's authentication plugin, lets every login in, and keeps
/// the statements it receives, so that a test can see whether the password statement was sent.
/// </summary>
public sealed class RogueMySqlServer : IAsyncDisposable
{
    public const string RemoteLookingHost = "mitm-tests.localhost";

    private static readonly byte[] Scramble = MySqlPackets.Scramble.ToArray();

    private readonly Attack? _attack;
    private readonly bool _offerTls;
    private readonly bool _attackSecondLogin;
    private readonly Catalog? _catalog;
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly LoopbackListener _listener;
    private readonly List<string> _recovered = [];
    private readonly List<string> _statements = [];
    private readonly Lock _gate = new();
    private int _connections;

    private RogueMySqlServer(Attack? attack, bool offerTls, bool attackSecondLogin, Catalog? catalog = null)
    {
        _attack = attack;
        _offerTls = offerTls;
        _attackSecondLogin = attackSecondLogin;
        _catalog = catalog;
        _certificate = SelfSigned();
        _listener = LoopbackListener.Start(ServeAsync);
    }

    public enum Attack
    {
        /// <summary>caching_sha2_password, then "perform full authentication" (0x01 0x04).</summary>
        CachingSha2FullAuthentication,

        /// <summary>An authentication switch to sha256_password.</summary>
        Sha256Switch,

        /// <summary>An authentication switch to mysql_clear_password.</summary>
        ClearPasswordSwitch,

        /// <summary>An authentication switch to the PAM dialog plugin.</summary>
        DialogSwitch,
    }

    public int Port => _listener.Port;

    /// <summary>The certificate it presents, for a test that trusts it on purpose.</summary>
    public string CertificatePem => _certificate.ExportCertificatePem();

    public IReadOnlyList<string> Recovered
    {
        get
        {
            lock (_gate)
            {
                return [.. _recovered];
            }
        }
    }

    /// <summary>The statements received on accepted logins, one entry per statement of a batch.</summary>
    public IReadOnlyList<string> Statements
    {
        get
        {
            lock (_gate)
            {
                return [.. _statements];
            }
        }
    }

    /// <summary>Logins: connections on which the client answered the greeting.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static RogueMySqlServer Start(Attack attack, bool offerTls = true, bool attackSecondLogin = false) =>
        new(attack, offerTls, attackSecondLogin);

    /// <summary>
    /// A server that attacks no login: its catalog reports <c>'<paramref name="rotatedUser"/>'@'%'</c> as an ordinary
    /// account with the authentication plugin <paramref name="plugin"/>; it announces MySQL 8.0.36 unless
    /// <paramref name="mariaDb"/>.
    /// </summary>
    /// <remarks>
    /// Like a real MySQL server after a password change, it asks the verification login of a caching_sha2_password
    /// account for a full login, and that of a sha256_password account for the password; what it receives it keeps.
    /// As MariaDB, whose password statement makes the account mysql_native_password, it asks for neither.
    /// </remarks>
    public static RogueMySqlServer StartServing(string rotatedUser, string plugin, bool mariaDb = false, bool offerTls = false)
    {
        Attack? fullLogin = mariaDb ? null : plugin switch
        {
            "caching_sha2_password" => Attack.CachingSha2FullAuthentication,
            "sha256_password" => Attack.Sha256Switch,
            _ => null,
        };
        return new(fullLogin, offerTls, attackSecondLogin: true, new Catalog(rotatedUser, plugin, mariaDb));
    }

    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
    }

    private async Task ServeAsync(NetworkStream network, CancellationToken cancellationToken)
    {
        // A client that hangs up after the greeting, or only says goodbye (COM_QUIT: prefer finding no TLS offer), is not
        // a login; a handshake response or an SSLRequest is at least 32 bytes.
        var attacking = _attack is not null && (!_attackSecondLogin || Volatile.Read(ref _connections) > 0);
        var plugin = attacking && _attack == Attack.CachingSha2FullAuthentication ? "caching_sha2_password" : "mysql_native_password";
        var version = _catalog is { MariaDb: false } ? "8.0.36-rogue" : "10.11.99-MariaDB-rogue";
        Stream stream = network;
        await stream.WriteAsync(MySqlPackets.Greeting(version, plugin, _offerTls), cancellationToken);
        var (sequence, response) = await ReadAsync(stream, cancellationToken);
        if (response.Length < 32)
        {
            return;
        }

        Interlocked.Increment(ref _connections);
        if (response.Length == 32 && _offerTls)
        {
            // An SSLRequest: TLS with a certificate nobody could verify, then the real handshake response.
            var tls = new SslStream(network, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, cancellationToken);
            stream = tls;
            (sequence, _) = await ReadAsync(stream, cancellationToken);
        }

        if (!attacking)
        {
            await WriteAsync(stream, Ok(), ++sequence, cancellationToken);
            await PlayStatementsAsync(stream, cancellationToken);
            return;
        }

        switch (_attack)
        {
            case Attack.CachingSha2FullAuthentication:
                await WriteAsync(stream, [0x01, 0x04], ++sequence, cancellationToken);
                await ReceivePasswordAsync(stream, sequence, cancellationToken);
                break;
            case Attack.Sha256Switch:
                await WriteAsync(stream, Switch("sha256_password", [.. Scramble, 0]), ++sequence, cancellationToken);
                await ReceivePasswordAsync(stream, sequence, cancellationToken);
                break;
            case Attack.ClearPasswordSwitch:
                await WriteAsync(stream, Switch("mysql_clear_password", []), ++sequence, cancellationToken);
                await ReceivePasswordAsync(stream, sequence, cancellationToken);
                break;
            case Attack.DialogSwitch:
                await WriteAsync(stream, Switch("dialog", [0x04, .. "Password: "u8.ToArray()]), ++sequence, cancellationToken);
                await ReceivePasswordAsync(stream, sequence, cancellationToken);
                break;
        }

        if (_catalog is not null)
        {
            // A serving rogue goes on as the server would: the verification login's SELECT 1.
            await PlayStatementsAsync(stream, cancellationToken);
        }
    }

    // Whatever comes next: a password in the clear, a request for the RSA key (answered), or a password encrypted to it.
    private async Task ReceivePasswordAsync(Stream stream, byte sequence, CancellationToken cancellationToken)
    {
        for (var turn = 0; turn < 3; turn++)
        {
            var (received, payload) = await ReadAsync(stream, cancellationToken);
            sequence = received;
            if (payload is [0x01] or [0x02])
            {
                var pem = Encoding.ASCII.GetBytes(_key.ExportSubjectPublicKeyInfoPem());
                await WriteAsync(stream, [0x01, .. pem], ++sequence, cancellationToken);
                continue;
            }

            Keep(payload.Length == _key.KeySize / 8 ? Decrypt(payload) : Encoding.UTF8.GetString(payload));
            await WriteAsync(stream, Ok(), ++sequence, cancellationToken);
            return;
        }
    }

    private string? Decrypt(byte[] encrypted)
    {
        try
        {
            var mixed = _key.Decrypt(encrypted, RSAEncryptionPadding.OaepSHA1);
            for (var i = 0; i < mixed.Length; i++)
            {
                mixed[i] ^= Scramble[i % Scramble.Length];
            }

            return Encoding.UTF8.GetString(mixed);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private void Keep(string? password)
    {
        if (password is null)
        {
            return;
        }

        lock (_gate)
        {
            _recovered.Add(password.TrimEnd('\0'));
        }
    }

    // The rotation's statements on an accepted login: the claim, the privilege check (its accounts hold nothing), the
    // password statement, the release. A batch gets one result per statement, chained by SERVER_MORE_RESULTS_EXISTS.
    private async Task PlayStatementsAsync(Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (sequence, command) = await ReadAsync(stream, cancellationToken);
            if (command is [] or [0x01, ..])
            {
                return;
            }

            var statements = Encoding.UTF8.GetString(command, 1, command.Length - 1).Split(";\n");
            lock (_gate)
            {
                _statements.AddRange(statements);
            }

            for (var i = 0; i < statements.Length; i++)
            {
                sequence = await AnswerAsync(stream, statements[i], sequence, more: i < statements.Length - 1, cancellationToken);
            }
        }
    }

    // The claim's second column is 1 only on MariaDB; the catalog's mysql.user row carries the rotated account's plugin.
    private Task<byte> AnswerAsync(Stream stream, string statement, byte sequence, bool more, CancellationToken cancellationToken) => statement switch
    {
        _ when statement.Contains("GET_LOCK", StringComparison.Ordinal) =>
            WriteResultAsync(stream, sequence, [["1", _catalog is { MariaDb: false } ? "0" : "1"]], more, cancellationToken),
        _ when _catalog is { } catalog && statement.Contains("FROM mysql.user WHERE", StringComparison.Ordinal) =>
            WriteResultAsync(stream, sequence, [[catalog.RotatedUser, "%", .. Enumerable.Repeat("N", 10), catalog.Plugin]], more, cancellationToken),
        _ when statement.Contains("RELEASE_LOCK", StringComparison.Ordinal) => WriteResultAsync(stream, sequence, [["1"]], more, cancellationToken),
        _ when statement.Contains("CURRENT_USER()", StringComparison.Ordinal) => WriteResultAsync(stream, sequence, [["rogue@%", "rogue@localhost"]], more, cancellationToken),
        _ when statement.Contains("FROM mysql.", StringComparison.Ordinal) => WriteResultAsync(stream, sequence, [], more, cancellationToken),
        _ => WriteOkAsync(stream, sequence, more, cancellationToken),
    };

    // A result set of text columns: the column count, the column definitions, EOF, the rows, EOF.
    private static async Task<byte> WriteResultAsync(Stream stream, byte sequence, string[][] rows, bool more, CancellationToken cancellationToken)
    {
        var columns = rows is [var first, ..] ? first.Length : 1;
        await WriteAsync(stream, [(byte)columns], ++sequence, cancellationToken);
        for (var i = 0; i < columns; i++)
        {
            // catalog "def", no schema or table, name a..., utf8 (33), length 255, VAR_STRING, no flags.
            byte[] definition = [3, .. "def"u8.ToArray(), 0, 0, 0, 1, (byte)('a' + i), 0, 0x0c, 0x21, 0, 255, 0, 0, 0, 0xFD, 0, 0, 0, 0, 0];
            await WriteAsync(stream, definition, ++sequence, cancellationToken);
        }

        await WriteAsync(stream, Eof(more: false), ++sequence, cancellationToken);
        foreach (var row in rows)
        {
            var payload = new List<byte>();
            foreach (var value in row)
            {
                var bytes = Encoding.UTF8.GetBytes(value);
                payload.Add((byte)bytes.Length);
                payload.AddRange(bytes);
            }

            await WriteAsync(stream, [.. payload], ++sequence, cancellationToken);
        }

        await WriteAsync(stream, Eof(more), ++sequence, cancellationToken);
        return sequence;
    }

    private static async Task<byte> WriteOkAsync(Stream stream, byte sequence, bool more, CancellationToken cancellationToken)
    {
        await WriteAsync(stream, Ok(more), ++sequence, cancellationToken);
        return sequence;
    }

    private static byte[] Eof(bool more) => [0xFE, 0, 0, Status(more), 0];

    // SERVER_STATUS_AUTOCOMMIT, and SERVER_MORE_RESULTS_EXISTS when another result of the batch follows.
    private static byte Status(bool more) => (byte)(more ? 0x0A : 0x02);

    private static byte[] Switch(string plugin, byte[] data) => [0xFE, .. Encoding.ASCII.GetBytes(plugin + "\0"), .. data];

    private static byte[] Ok(bool more = false) => [0x00, 0, 0, Status(more), 0, 0, 0];

    private static Task WriteAsync(Stream stream, byte[] payload, int sequence, CancellationToken cancellationToken) =>
        stream.WriteAsync(MySqlPackets.Packet([.. payload], (byte)sequence), cancellationToken).AsTask();

    private static async Task<(byte Sequence, byte[] Payload)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(5));
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, limit.Token))
        {
            return (0, []);
        }

        var payload = new byte[header[0] | (header[1] << 8) | (header[2] << 16)];
        return await ReadExactlyOrEndAsync(stream, payload, limit.Token) ? (header[3], payload) : ((byte)0, []);
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>What the catalog of a serving rogue reports.</summary>
    private sealed record Catalog(string RotatedUser, string Plugin, bool MariaDb);

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={RemoteLookingHost}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(RemoteLookingHost);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // SslStream on Linux needs the key in an exportable, re-imported form.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
