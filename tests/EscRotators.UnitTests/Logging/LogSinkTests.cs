using System.Text.Json;
using EscRotators.Logging;

namespace EscRotators.UnitTests.Logging;

public sealed class LogSinkTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 11, 12, 345, TimeSpan.Zero);

    private static (LogSink Sink, StringWriter Output) Sink(LogFormat format, LogLevel level = LogLevel.Info)
    {
        var output = new StringWriter();
        return (new LogSink(output, format, level, new FixedTime(Now)), output);
    }

    [Test]
    public void Text_lines_follow_lambdas_layout_with_fields()
    {
        var (sink, output) = Sink(LogFormat.Text);
        new RotatorLogger(sink, "req-1").Info("rotation succeeded", LogField.Of("engine", "mysql"), LogField.Of("elapsedMs", 12), LogField.Of("rotatedUser", "a b"));

        Assert.That(
            output.ToString(),
            Is.EqualTo("2026-11-23T10:11:12.345Z\treq-1\tINFO\trotation succeeded engine=mysql elapsedMs=12 rotatedUser=\"a b\"\n"));
    }

    [Test]
    public void Json_lines_have_timestamp_level_request_id_message_and_fields()
    {
        var (sink, output) = Sink(LogFormat.Json);
        new RotatorLogger(sink, "req-2").Warn("rotation failed", LogField.Of("engine", "postgres"), LogField.Of("elapsedMs", 7));

        using var line = JsonDocument.Parse(output.ToString());
        var root = line.RootElement;
        Assert.That(root.GetProperty("timestamp").GetString(), Is.EqualTo("2026-11-23T10:11:12.345Z"));
        Assert.That(root.GetProperty("level").GetString(), Is.EqualTo("WARN"));
        Assert.That(root.GetProperty("requestId").GetString(), Is.EqualTo("req-2"));
        Assert.That(root.GetProperty("message").GetString(), Is.EqualTo("rotation failed"));
        Assert.That(root.GetProperty("engine").GetString(), Is.EqualTo("postgres"));
        Assert.That(root.GetProperty("elapsedMs").GetInt64(), Is.EqualTo(7));
        Assert.That(output.ToString(), Does.EndWith("}\n").And.Not.Contain("\n{"));
    }

    [Test]
    public void Lines_below_the_minimum_level_are_dropped()
    {
        var (sink, output) = Sink(LogFormat.Text, LogLevel.Warn);
        var logger = new RotatorLogger(sink);
        logger.Info("quiet");
        logger.Debug("quieter");
        logger.Error("loud");

        Assert.That(output.ToString(), Does.Not.Contain("quiet").And.Contain("loud"));
    }

    [Test]
    public void Environment_selects_json_and_level()
    {
        var env = new Dictionary<string, string> { ["AWS_LAMBDA_LOG_FORMAT"] = "JSON", ["AWS_LAMBDA_LOG_LEVEL"] = "error" };
        var sink = LogSink.FromEnvironment(TextWriter.Null, name => env.GetValueOrDefault(name));

        Assert.That(sink.Format, Is.EqualTo(LogFormat.Json));
        Assert.That(sink.MinimumLevel, Is.EqualTo(LogLevel.Error));
    }

    [Test]
    public void Environment_defaults_are_text_and_info()
    {
        var sink = LogSink.FromEnvironment(TextWriter.Null, _ => null);

        Assert.That(sink.Format, Is.EqualTo(LogFormat.Text));
        Assert.That(sink.MinimumLevel, Is.EqualTo(LogLevel.Info));
    }

    [Test]
    public void A_newline_in_a_message_or_field_cannot_forge_a_second_line()
    {
        var (sink, output) = Sink(LogFormat.Text);
        new RotatorLogger(sink).Info("a\nFAKE\tINFO\tforged", LogField.Of("rotatedUser", "x\ny"));

        Assert.That(output.ToString().TrimEnd('\n'), Does.Not.Contain("\n"));
    }

    [Test]
    public void Concurrent_writers_never_interleave_within_a_line()
    {
        var (sink, output) = Sink(LogFormat.Json);
        Parallel.For(0, 200, i => new RotatorLogger(sink, $"r{i}").Info("rotation", LogField.Of("n", i)));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(200));
        foreach (var line in lines)
        {
            Assert.DoesNotThrow(() => JsonDocument.Parse(line).Dispose());
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [TestCase("\u202e", "\\u202e")]
    [TestCase("\u200b", "\\u200b")]
    [TestCase("\u2028", "\\u2028")]
    [TestCase("\u2029", "\\u2029")]
    [TestCase("\u0085", "\\u0085")]
    public void Text_lines_escape_unicode_characters_that_could_forge_or_hide_log_content(string raw, string escaped)
    {
        var (sink, output) = Sink(LogFormat.Text);
        new RotatorLogger(sink, "req").Warn("bad " + raw + "name", LogField.Of("rotatedUser", "u" + raw + "x"));

        var line = output.ToString();
        Assert.That(line, Does.Not.Contain(raw));
        Assert.That(line, Does.Contain("bad " + escaped + "name"));
        Assert.That(line, Does.Contain("rotatedUser=\"u" + escaped + "x\""));
    }

    [Test]
    public void Text_lines_escape_a_lone_surrogate()
    {
        var (sink, output) = Sink(LogFormat.Text);
        new RotatorLogger(sink, "req").Warn("bad", LogField.Of("rotatedUser", "u" + '\ud800' + "x"));

        Assert.That(output.ToString(), Does.Contain("rotatedUser=\"u\\ud800x\""));
    }

    [Test]
    public void Text_lines_keep_printable_unicode_and_emoji()
    {
        var (sink, output) = Sink(LogFormat.Text);
        new RotatorLogger(sink, "req").Info("ok", LogField.Of("rotatedUser", "jos\u00e9\U0001F600"));

        Assert.That(output.ToString(), Does.Contain("rotatedUser=jos\u00e9\U0001F600"));
    }

    [TestCase("TRACE", LogLevel.Trace)]
    [TestCase("debug", LogLevel.Debug)]
    [TestCase(" Info ", LogLevel.Info)]
    [TestCase("WARN", LogLevel.Warn)]
    [TestCase("warning", LogLevel.Warn)]
    [TestCase("ERROR", LogLevel.Error)]
    [TestCase("FATAL", LogLevel.Fatal)]
    public void ParseLevel_reads_lambdas_level_names_in_any_case(string text, LogLevel expected) =>
        Assert.That(LogSink.ParseLevel(text), Is.EqualTo(expected));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("VERBOSE")]
    public void ParseLevel_is_null_for_anything_else(string? text) =>
        Assert.That(LogSink.ParseLevel(text), Is.Null);

    [TestCase(LogLevel.Trace, "TRACE")]
    [TestCase(LogLevel.Debug, "DEBUG")]
    [TestCase(LogLevel.Info, "INFO")]
    [TestCase(LogLevel.Warn, "WARN")]
    [TestCase(LogLevel.Error, "ERROR")]
    [TestCase(LogLevel.Fatal, "FATAL")]
    public void Each_level_is_written_under_its_lambda_name(LogLevel level, string name)
    {
        var (sink, output) = Sink(LogFormat.Text, LogLevel.Trace);
        sink.Write(level, "r", "m", []);

        Assert.That(output.ToString(), Is.EqualTo($"2026-11-23T10:11:12.345Z\tr\t{name}\tm\n"));
        Assert.That(LogSink.ParseLevel(name), Is.EqualTo(level));
    }

    [Test]
    public void A_text_line_without_a_request_id_shows_a_dash_and_a_json_line_omits_the_field()
    {
        var (text, textOutput) = Sink(LogFormat.Text);
        text.Write(LogLevel.Info, null, "started", []);
        var (json, jsonOutput) = Sink(LogFormat.Json);
        json.Write(LogLevel.Info, null, "started", []);

        Assert.That(textOutput.ToString(), Is.EqualTo("2026-11-23T10:11:12.345Z\t-\tINFO\tstarted\n"));
        using var line = JsonDocument.Parse(jsonOutput.ToString());
        Assert.That(line.RootElement.TryGetProperty("requestId", out _), Is.False);
    }

    [Test]
    public void Each_line_is_flushed_as_it_is_written_so_a_frozen_or_killed_environment_loses_none()
    {
        using var stream = new MemoryStream();
        using var writer = new StreamWriter(stream, bufferSize: 4096) { AutoFlush = false };
        new LogSink(writer, LogFormat.Text, LogLevel.Info, new FixedTime(Now)).Write(LogLevel.Info, "r", "m", []);

        Assert.That(System.Text.Encoding.UTF8.GetString(stream.ToArray()), Does.EndWith("\tm\n"));
    }

    [Test]
    public void A_short_message_with_a_newline_is_escaped_onto_one_line()
    {
        var (sink, output) = Sink(LogFormat.Text);
        sink.Write(LogLevel.Info, "r", "a\n", []);

        Assert.That(output.ToString(), Is.EqualTo("2026-11-23T10:11:12.345Z\tr\tINFO\ta\\n\n"));
    }

    [TestCase("a\"b", "\"a\\\"b\"")]
    [TestCase("a\\b", "\"a\\\\b\"")]
    [TestCase("a=b", "\"a=b\"")]
    [TestCase("", "\"\"")]
    [TestCase("plain", "plain")]
    public void Text_field_values_are_quoted_when_a_quote_backslash_equals_sign_or_nothing_would_be_ambiguous(string value, string written)
    {
        var (sink, output) = Sink(LogFormat.Text);
        sink.Write(LogLevel.Info, "r", "m", [LogField.Of("user", value)]);

        Assert.That(output.ToString(), Is.EqualTo($"2026-11-23T10:11:12.345Z\tr\tINFO\tm user={written}\n"));
    }

    [Test]
    public void A_text_field_without_a_value_is_written_as_null()
    {
        var (sink, output) = Sink(LogFormat.Text);
        sink.Write(LogLevel.Info, "r", "m", [LogField.Of("user", (string?)null)]);

        Assert.That(output.ToString(), Does.EndWith(" user=null\n"));
    }
}
