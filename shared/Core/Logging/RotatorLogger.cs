namespace EscRotators.Logging;

/// <summary>
/// A logger bound to one invocation's request id. Cheap to create; all of them share one <see cref="LogSink"/>.
/// Secrets are never passed in: callers log user names, hosts and outcomes, and scrub driver messages first.
/// </summary>
public sealed class RotatorLogger
{
    private readonly LogSink _sink;

    public RotatorLogger(LogSink sink, string? requestId = null)
    {
        _sink = sink;
        RequestId = requestId;
    }

    public string? RequestId { get; }

    public RotatorLogger ForRequest(string? requestId) => new(_sink, requestId);

    public void Log(LogLevel level, string message, params ReadOnlySpan<LogField> fields) =>
        _sink.Write(level, RequestId, message, fields);

    public void Debug(string message, params ReadOnlySpan<LogField> fields) => Log(LogLevel.Debug, message, fields);

    public void Info(string message, params ReadOnlySpan<LogField> fields) => Log(LogLevel.Info, message, fields);

    public void Warn(string message, params ReadOnlySpan<LogField> fields) => Log(LogLevel.Warn, message, fields);

    public void Error(string message, params ReadOnlySpan<LogField> fields) => Log(LogLevel.Error, message, fields);
}

/// <summary>A structured field of a log line: a string or a whole number. Never pass a secret.</summary>
public readonly record struct LogField
{
    private LogField(string name, string? text, long? number)
    {
        Name = name;
        Text = text;
        Number = number;
    }

    public string Name { get; }

    public string? Text { get; }

    public long? Number { get; }

    public static LogField Of(string name, string? text) => new(name, text, null);

    public static LogField Of(string name, long number) => new(name, null, number);
}
