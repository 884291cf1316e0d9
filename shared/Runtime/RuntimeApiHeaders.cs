namespace EscRotators.Runtime;

/// <summary>Header names and values of the Lambda Runtime API, version 2018-06-01.</summary>
internal static class RuntimeApiHeaders
{
    public const string AwsRequestId = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineMs = "Lambda-Runtime-Deadline-Ms";
    public const string TraceId = "Lambda-Runtime-Trace-Id";
    public const string FunctionErrorType = "Lambda-Runtime-Function-Error-Type";

    public const string ErrorContentType = "application/vnd.aws.lambda.error+json";
    public const string UnhandledFunctionError = "Function.UnhandledException";
    public const string InitializationError = "Runtime.InitError";
}
