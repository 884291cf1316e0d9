using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Builds rotation events as JSON nodes (never by string concatenation: the secrets hold quotes).</summary>
public static class EventJson
{
    // Raw UTF-8 for non-ASCII, as Go's encoder (Pulumi ESC) sends it; quotes and backslashes still escaped.
    private static readonly JsonSerializerOptions WireOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Form A, the connector request Pulumi ESC sends, against <paramref name="db"/>.</summary>
    public static JsonObject FormA(ITestDatabase db, TestUser manager, string rotateUser, string? oldPassword, string? newPassword, JsonObject? tls = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        return FormA(db.Type, db.Host, db.Port, db.Database, manager, rotateUser, oldPassword, newPassword, tls);
    }

    /// <summary>Form A against any address (for servers that are not there, or not real).</summary>
    public static JsonObject FormA(
        string type,
        string host,
        int port,
        string database,
        TestUser manager,
        string rotateUser,
        string? oldPassword,
        string? newPassword,
        JsonObject? tls = null)
    {
        ArgumentNullException.ThrowIfNull(manager);
        var rotate = new JsonObject { ["username"] = rotateUser };
        if (oldPassword is not null)
        {
            rotate["password"] = oldPassword;
        }

        if (newPassword is not null)
        {
            rotate["newPassword"] = newPassword;
        }

        var evt = new JsonObject
        {
            ["type"] = type,
            ["host"] = host,
            ["port"] = port,
            ["database"] = database,
            ["managingUser"] = Credentials(manager.Name, manager.Password),
            ["rotateUser"] = rotate,
        };
        if (tls is not null)
        {
            evt["tls"] = tls;
        }

        return evt;
    }

    /// <summary>Form B, the full rotation: the rotator picks the user and generates the password.</summary>
    public static JsonObject FormB(
        ITestDatabase db,
        TestUser manager,
        string username1,
        string username2,
        JsonNode? state = null,
        JsonObject? passwordPolicy = null,
        JsonObject? tls = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(manager);
        var database = new JsonObject
        {
            ["host"] = db.Host,
            ["port"] = db.Port,
            ["database"] = db.Database,
            ["managingUser"] = new JsonObject { ["username"] = manager.Name, ["password"] = manager.Password },
        };
        if (tls is not null)
        {
            database["tls"] = tls;
        }

        var inputs = new JsonObject
        {
            ["database"] = database,
            ["rotateUsers"] = new JsonObject { ["username1"] = username1, ["username2"] = username2 },
        };
        if (passwordPolicy is not null)
        {
            inputs["passwordPolicy"] = passwordPolicy;
        }

        var evt = new JsonObject { ["type"] = db.Type, ["inputs"] = inputs };
        if (state is not null)
        {
            evt["state"] = state;
        }

        return evt;
    }

    public static JsonObject Credentials(string username, string password) =>
        new() { ["username"] = username, ["password"] = password };

    public static JsonObject Tls(string mode, string? caBundle = null)
    {
        var tls = new JsonObject { ["mode"] = mode };
        if (caBundle is not null)
        {
            tls["caBundle"] = caBundle;
        }

        return tls;
    }

    public static byte[] ToUtf8(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return JsonSerializer.SerializeToUtf8Bytes(node, WireOptions);
    }
}
