namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Assertions every rotation test shares.</summary>
internal static class Expect
{
    public static void Ok(RotatorRun result)
    {
        Assert.That(result.Code, Is.EqualTo(200), result.Describe());
        Assert.That(result.Message, Is.EqualTo("ok"), result.Describe());
    }

    public static void BadRequest(RotatorRun result)
    {
        Assert.That(result.Code, Is.EqualTo(400), result.Describe());
        Assert.That(result.HasState, Is.False, "a failed rotation must return no state: " + result.Describe());
        if (result.ExitCode is { } exitCode)
        {
            Assert.That(exitCode, Is.EqualTo(1), "bootstrap invoke exits 1 for a code other than 200");
        }
    }

    /// <summary>
    /// Neither the reply message nor the log holds any of <paramref name="secrets"/>, whole or by their random
    /// alphanumeric tail (which survives JSON, SQL or log escaping of the rest).
    /// </summary>
    public static void NoSecrets(RotatorRun result, params string?[] secrets)
    {
        foreach (var secret in secrets)
        {
            if (string.IsNullOrEmpty(secret))
            {
                continue;
            }

            foreach (var form in Forms(secret))
            {
                Assert.That(result.Message, Does.Not.Contain(form), "the reply message holds a password");
                Assert.That(result.Log, Does.Not.Contain(form), "the log holds a password");
            }
        }
    }

    public static IEnumerable<string> Forms(string secret)
    {
        yield return secret;
        var tail = secret.Length;
        while (tail > 0 && char.IsAsciiLetterOrDigit(secret[tail - 1]))
        {
            tail--;
        }

        if (secret.Length - tail >= 12 && tail > 0)
        {
            yield return secret[tail..];
        }
    }
}
