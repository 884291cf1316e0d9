using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text;

namespace EscRotators.Logging;

/// <summary>
/// Formats and writes whole log lines to one writer; shared by every <see cref="RotatorLogger"/> of a process
/// so concurrent invocations never interleave inside a line.
/// </summary>
public sealed class LogSink
{
    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    public LogSink(TextWriter output, LogFormat format, LogLevel minimumLevel, TimeProvider? timeProvider = null)
    {
        _output = output;
        Format = format;
        MinimumLevel = minimumLevel;
        _time = timeProvider ?? TimeProvider.System;
    }

    public LogFormat Format { get; }

    public LogLevel MinimumLevel { get; }

    /// <summary>Reads <c>AWS_LAMBDA_LOG_FORMAT</c> (Text|JSON) and <c>AWS_LAMBDA_LOG_LEVEL</c> (default INFO).</summary>
    public static LogSink FromEnvironment(TextWriter output, Func<string, string?>? environment = null, TimeProvider? timeProvider = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var format = string.Equals(environment("AWS_LAMBDA_LOG_FORMAT"), "JSON", StringComparison.OrdinalIgnoreCase)
            ? LogFormat.Json
            : LogFormat.Text;
        var level = ParseLevel(environment("AWS_LAMBDA_LOG_LEVEL")) ?? LogLevel.Info;
        return new LogSink(output, format, level, timeProvider);
    }

    public static LogLevel? ParseLevel(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Info,
        "WARN" or "WARNING" => LogLevel.Warn,
        "ERROR" => LogLevel.Error,
        "FATAL" => LogLevel.Fatal,
        _ => null,
    };

    public static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Info => "INFO",
        LogLevel.Warn => "WARN",
        LogLevel.Error => "ERROR",
        _ => "FATAL",
    };

    public bool IsEnabled(LogLevel level) => level >= MinimumLevel;

    public void Write(LogLevel level, string? requestId, string message, ReadOnlySpan<LogField> fields)
    {
        if (!IsEnabled(level))
        {
            return;
        }

        var timestamp = _time.GetUtcNow();
        var line = Format == LogFormat.Json
            ? JsonLine(timestamp, level, requestId, message, fields)
            : TextLine(timestamp, level, requestId, message, fields);
        lock (_gate)
        {
            _output.Write(line);
            _output.Flush();
        }
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // Lambda's text layout: timestamp, request id, level, message; fields follow as key=value.
    private static string TextLine(DateTimeOffset time, LogLevel level, string? requestId, string message, ReadOnlySpan<LogField> fields)
    {
        var builder = new StringBuilder(128);
        builder.Append(Timestamp(time)).Append('\t')
            .Append(requestId ?? "-").Append('\t')
            .Append(LevelName(level)).Append('\t')
            .Append(OneLine(message));
        foreach (var field in fields)
        {
            builder.Append(' ').Append(field.Name).Append('=');
            if (field.Number is { } number)
            {
                builder.Append(number.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(Quote(field.Text));
            }
        }

        return builder.Append('\n').ToString();
    }

    private static string JsonLine(DateTimeOffset time, LogLevel level, string? requestId, string message, ReadOnlySpan<LogField> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", Timestamp(time));
            writer.WriteString("level", LevelName(level));
            if (requestId is not null)
            {
                writer.WriteString("requestId", requestId);
            }

            writer.WriteString("message", message);
            foreach (var field in fields)
            {
                if (field.Number is { } number)
                {
                    writer.WriteNumber(field.Name, number);
                }
                else
                {
                    writer.WriteString(field.Name, field.Text);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    // One event, one line: a newline, a line separator or a bidi override in a message (or a user name) must not forge
    // or disguise a log entry.
    private static string OneLine(string text) =>
        PrintableText.NeedsEscaping(text) ? PrintableText.AppendEscaped(new StringBuilder(text.Length + 8), text).ToString() : text;

    private static string Quote(string? text)
    {
        if (text is null)
        {
            return "null";
        }

        var needsQuotes = text.Length == 0 || PrintableText.NeedsEscaping(text);
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c is '"' or '\\' or '=')
            {
                needsQuotes = true;
                break;
            }
        }

        if (!needsQuotes)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 2).Append('"');
        var escaped = text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        PrintableText.AppendEscaped(builder, escaped);
        return builder.Append('"').ToString();
    }
}

/// <summary><c>AWS_LAMBDA_LOG_FORMAT</c>: Lambda's plain text lines or one JSON object per line.</summary>
public enum LogFormat
{
    Text,
    Json,
}

/// <summary>Lambda's log levels, in the order <c>AWS_LAMBDA_LOG_LEVEL</c> filters them.</summary>
public enum LogLevel
{
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}
