namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>The CA that signed the test servers' certificate (SAN DNS:localhost only) and an unrelated CA.</summary>
internal static class TlsMaterial
{
    public static string CaPath => Path("ESC_TEST_TLS_CA");

    public static string WrongCaPath => Path("ESC_TEST_TLS_WRONG_CA");

    public static string Ca => File.ReadAllText(CaPath);

    public static string WrongCa => File.ReadAllText(WrongCaPath);

    /// <summary>
    /// Ignores the test unless <paramref name="db"/> runs TLS with a certificate from ESC_TEST_TLS_CA. A server
    /// without TLS is a configuration the suite supports (scripts/test.sh notes it), not a missing server, so
    /// this is a skip with the reason even under ESC_TEST_REQUIRE_SERVERS=1.
    /// </summary>
    public static void Require(ITestDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (!db.Tls || TestEnvironment.Get("ESC_TEST_TLS_CA") is null || TestEnvironment.Get("ESC_TEST_TLS_WRONG_CA") is null)
        {
            TestEnvironment.NotConfigured(
                $"the {db.Engine} server has no TLS certificate from ESC_TEST_TLS_CA (needs ESC_TEST_*_TLS=1, ESC_TEST_TLS_CA and ESC_TEST_TLS_WRONG_CA)");
        }
    }

    private static string Path(string variable) =>
        TestEnvironment.Get(variable) ?? throw new InvalidOperationException($"{variable} is not set");
}
