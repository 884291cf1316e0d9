namespace EscRotators.Logging;

/// <summary><c>AWS_LAMBDA_LOG_FORMAT</c>: Lambda's plain text lines or one JSON object per line.</summary>
public enum LogFormat
{
    Text,
    Json,
}
