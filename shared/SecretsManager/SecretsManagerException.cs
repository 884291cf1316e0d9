using System.Net;

namespace EscRotators.SecretsManager;

/// <summary>
/// A Secrets Manager call that failed: the operation, the service's error code (<c>ResourceNotFoundException</c>, ...),
/// the HTTP status, and the service's message made printable, bounded and cleared of the request's secret values
/// and the caller's credentials. Never the request body.
/// </summary>
public sealed class SecretsManagerException : Exception
{
    public SecretsManagerException()
    {
        Operation = ErrorCode = "";
    }

    public SecretsManagerException(string message)
        : base(message)
    {
        Operation = ErrorCode = "";
    }

    public SecretsManagerException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = ErrorCode = "";
    }

    public SecretsManagerException(string operation, string errorCode, HttpStatusCode? statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Operation = operation;
        ErrorCode = errorCode;
        StatusCode = statusCode;
    }

    public string Operation { get; }

    /// <summary>The service's error code, or the client's own: <c>RequestTimeout</c>, <c>ConnectionFailure</c>, <c>InvalidResponse</c>, <c>ResponseTooLarge</c>.</summary>
    public string ErrorCode { get; }

    public HttpStatusCode? StatusCode { get; }
}
