using System.Text;
using System.Text.Json.Nodes;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests.Adapter;

/// <summary>Form C bodies for a test database, built the way ESC builds them.</summary>
internal static class AdapterRequests
{
    /// <summary><c>R</c> for the two users of <paramref name="db"/>.</summary>
    public static JsonObject Request(ITestDatabase db, TestUser manager, string username1, string username2) => new()
    {
        ["type"] = db.Type,
        ["database"] = new JsonObject
        {
            ["host"] = db.Host,
            ["port"] = db.Port,
            ["database"] = db.Database,
            ["managingUser"] = EventJson.Credentials(manager.Name, manager.Password),
        },
        ["rotateUsers"] = new JsonObject { ["username1"] = username1, ["username2"] = username2 },
    };

    /// <summary>
    /// <c>{"request": R, "state": S}</c> with <paramref name="previousResponse"/> spliced in as raw text: ESC sends the
    /// stored response back verbatim, so the adapter must cope with exactly the bytes it produced.
    /// </summary>
    public static byte[] Body(JsonObject request, string? previousResponse) =>
        Encoding.UTF8.GetBytes("{\"request\":" + Encoding.UTF8.GetString(EventJson.ToUtf8(request)) + ",\"state\":" + (previousResponse ?? "null") + "}");
}
