using System.Text;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>Reads what a server wrote to its statement log since a point, once everything before a marker is in.</summary>
public static class StatementLog
{
    /// <summary>Where the log ends now; the test is not configured when the server's log is unknown.</summary>
    public static long Start(ITestDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var path = db.StatementLog;
        if (path is null || !File.Exists(path))
        {
            TestEnvironment.NotConfigured($"the {db.Engine} server's statement log is not known (ESC_TEST_PG_LOG / ESC_TEST_MYSQL_GENERAL_LOG)");
        }

        return new FileInfo(path!).Length;
    }

    /// <summary>The log from <paramref name="start"/> on, read once a marker statement run now has reached it.</summary>
    public static async Task<string> ReadSinceAsync(ITestDatabase db, long start)
    {
        ArgumentNullException.ThrowIfNull(db);
        var path = db.StatementLog!;

        // The marker statement runs after the statements under test; once it is in the file, everything before it is too.
        var marker = "esc-log-marker-" + Guid.NewGuid().ToString("N");
        await db.LogMarkerAsync(marker).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            await using (stream.ConfigureAwait(false))
            {
                stream.Seek(Math.Min(start, stream.Length), SeekOrigin.Begin);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var text = await reader.ReadToEndAsync().ConfigureAwait(false);
                if (text.Contains(marker, StringComparison.Ordinal))
                {
                    return text;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"the marker statement did not reach {path} within 10 s");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
