namespace EscRotators.Logging;

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
