using System.Text.Json;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// Applied to every rotation the suite runs, in process and through bootstrap: the captured log must hold none of
/// the passwords in the event (managing, old, new, state) nor any password the reply returned.
/// </summary>
public static class LogGuard
{
    // Shorter test passwords ("old") occur inside ordinary words ("could"); every real secret here is longer.
    private const int MinimumLength = 6;

    public static void AssertNoPasswordsIn(RotatorRun result, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(result);
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        Collect(payload, secrets);
        if (result.ReplyJson.Length > 0)
        {
            Collect(System.Text.Encoding.UTF8.GetBytes(result.ReplyJson), secrets);
        }

        foreach (var secret in secrets.Where(s => s.Length >= MinimumLength))
        {
            Assert.That(result.Log, Does.Not.Contain(secret), "a password reached the rotator's log");
        }
    }

    // JsonDocument, not JsonNode: hostile events repeat keys, which JsonObject refuses.
    private static void Collect(byte[] json, HashSet<string> secrets)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            Collect(document.RootElement, secrets);
        }
        catch (JsonException)
        {
            // Not JSON: it carries no password field to look for.
        }
    }

    private static void Collect(JsonElement element, HashSet<string> secrets)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name.Contains("password", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                    {
                        secrets.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        Collect(property.Value, secrets);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, secrets);
                }

                break;
        }
    }
}
