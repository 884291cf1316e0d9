using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EscRotators.Protocol;

namespace EscRotators.SecretsManager.Rotation;

/// <summary>
/// One version of a database secret in AWS's format (<c>engine</c>, <c>host</c>, <c>username</c>, <c>password</c>,
/// <c>dbname</c>, <c>port</c>, <c>masterarn</c>, <c>ssl</c>) plus this project's optional <c>tls</c> object. The whole
/// JSON object is kept, so fields nobody here knows reach the next version unchanged, as AWS's templates keep them.
/// </summary>
public sealed class DatabaseSecret
{
    private readonly JsonObject _json;

    private DatabaseSecret(JsonObject json, string engine, string engineType, string host, int? port, string username,
        string password, string? databaseName, string? masterArn, bool? ssl, WireTls? tls)
    {
        _json = json;
        Engine = engine;
        EngineType = engineType;
        Host = host;
        Port = port;
        Username = username;
        Password = password;
        DatabaseName = databaseName;
        MasterArn = masterArn;
        Ssl = ssl;
        Tls = tls;
    }

    /// <summary>The <c>engine</c> field as written: <c>mysql</c>, <c>aurora-mysql</c>, <c>mariadb</c>, <c>postgres</c> or <c>aurora-postgresql</c>.</summary>
    public string Engine { get; }

    /// <summary>The engine that serves it: <c>mysql</c> (MySQL, Aurora MySQL, MariaDB) or <c>postgres</c>.</summary>
    public string EngineType { get; }

    public string Host { get; }

    /// <summary>The <c>port</c> field; null when absent (the engine's default port applies).</summary>
    public int? Port { get; }

    public string Username { get; }

    public string Password { get; }

    public string? DatabaseName { get; }

    /// <summary>The master secret's ARN: present for AWS's alternating-users strategy, absent for a single user.</summary>
    public string? MasterArn { get; }

    /// <summary>AWS's <c>ssl</c> field as true or false; null when absent or neither (AWS's templates then try TLS first).</summary>
    public bool? Ssl { get; }

    /// <summary>This project's <c>tls</c> object (<c>mode</c>, <c>caBundle</c>), which wins over <see cref="Ssl"/>.</summary>
    public WireTls? Tls { get; }

    /// <summary>The port to connect to: the secret's, or the engine's default (3306, 5432).</summary>
    public int EffectivePort => Port ?? (EngineType == "postgres" ? 5432 : 3306);

    /// <summary>The longest user name the engine keeps: PostgreSQL 63 bytes (of UTF-8), MariaDB 80 characters, MySQL 32.</summary>
    public int MaxUsernameLength => Engine switch
    {
        "postgres" or "aurora-postgresql" => 63,
        "mariadb" => 80,
        _ => 32,
    };

    /// <summary>True when the engine keeps <paramref name="username"/> whole: counted in bytes on PostgreSQL, in characters on MySQL and MariaDB.</summary>
    public bool Fits(string username) =>
        (EngineType == "postgres" ? Encoding.UTF8.GetByteCount(username) : username.Length) <= MaxUsernameLength;

    /// <summary>Parses <paramref name="secretString"/>; <paramref name="what"/> names the version in errors (values are never echoed).</summary>
    /// <exception cref="RotationStepException">Not a JSON object, or a required field is missing or of the wrong type.</exception>
    public static DatabaseSecret Parse(string? secretString, string what)
    {
        JsonObject json;
        try
        {
            json = (secretString is null ? null : JsonNode.Parse(secretString) as JsonObject)
                ?? throw Invalid(what, "its SecretString is not a JSON object");
        }
        catch (JsonException)
        {
            throw Invalid(what, "its SecretString is not valid JSON");
        }

        var engine = Required(json, "engine", what);
        var engineType = engine switch
        {
            "mysql" or "aurora-mysql" or "mariadb" => "mysql",
            "postgres" or "aurora-postgresql" => "postgres",
            _ => throw Invalid(what, "\"engine\" must be mysql, aurora-mysql, mariadb, postgres or aurora-postgresql"),
        };
        return new DatabaseSecret(
            json,
            engine,
            engineType,
            Required(json, "host", what),
            ReadPort(json, what),
            Required(json, "username", what),
            Required(json, "password", what, allowBlank: true),
            Text(json, "dbname", what, required: false),
            Text(json, "masterarn", what, required: false),
            ReadSsl(json),
            TlsObject(json, what));
    }

    /// <summary>This secret's JSON with <c>username</c> and <c>password</c> replaced and every other field as it was.</summary>
    public string With(string username, string password)
    {
        var copy = (JsonObject)_json.DeepClone();
        copy["username"] = username;
        copy["password"] = password;
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            copy.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>AWS's alternate of <paramref name="username"/>: <c>X</c> ↔ <c>X_clone</c>.</summary>
    public static string AlternateOf(string username) =>
        username.EndsWith(CloneSuffix, StringComparison.Ordinal) ? username[..^CloneSuffix.Length] : username + CloneSuffix;

    private const string CloneSuffix = "_clone";

    private static string Required(JsonObject json, string name, string what, bool allowBlank = false) =>
        Text(json, name, what, required: true, allowBlank) ?? throw Invalid(what, $"\"{name}\" is missing");

    private static string? Text(JsonObject json, string name, string what, bool required, bool allowBlank = false, string? path = null)
    {
        var node = json[name];
        name = path ?? name;
        if (node is null)
        {
            return required ? throw Invalid(what, $"\"{name}\" is missing") : null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            throw Invalid(what, $"\"{name}\" must be a string");
        }

        var value = node.GetValue<string>();
        if (!allowBlank && string.IsNullOrWhiteSpace(value))
        {
            return required ? throw Invalid(what, $"\"{name}\" is empty") : null;
        }

        if (value.Contains('\0', StringComparison.Ordinal) || (required && value.Length == 0))
        {
            throw Invalid(what, $"\"{name}\" must be a non-empty string without NUL characters");
        }

        return value;
    }

    // AWS's templates read the port with int(...): a number or a string of digits.
    private static int? ReadPort(JsonObject json, string what)
    {
        var node = json["port"];
        if (node is null)
        {
            return null;
        }

        var port = 0;
        var valid = node.GetValueKind() switch
        {
            JsonValueKind.Number => node.AsValue().TryGetValue(out port),
            JsonValueKind.String => int.TryParse(node.GetValue<string>().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out port),
            _ => false,
        };
        return valid && port is >= 1 and <= 65535 ? port : throw Invalid(what, "\"port\" must be a number from 1 to 65535");
    }

    // AWS's rule: a boolean, or the strings "true"/"false" in any case; anything else counts as absent.
    private static bool? ReadSsl(JsonObject json) => json["ssl"] switch
    {
        null => null,
        var node when node.GetValueKind() == JsonValueKind.True => true,
        var node when node.GetValueKind() == JsonValueKind.False => false,
        var node when node.GetValueKind() == JsonValueKind.String => node.GetValue<string>().ToUpperInvariant() switch
        {
            "TRUE" => true,
            "FALSE" => false,
            _ => null,
        },
        _ => null,
    };

    private static WireTls? TlsObject(JsonObject json, string what)
    {
        var node = json["tls"];
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject tls)
        {
            throw Invalid(what, "\"tls\" must be an object like {\"mode\": \"verify-full\", \"caBundle\": \"<PEM>\"}");
        }

        return new WireTls
        {
            Mode = Text(tls, "mode", what, required: false, path: "tls.mode"),
            CaBundle = Text(tls, "caBundle", what, required: false, path: "tls.caBundle"),
        };
    }

    private static RotationStepException Invalid(string what, string problem) =>
        new($"{what} is not a database secret this function can rotate: {problem}; see docs/secrets-manager.md for the format");
}
