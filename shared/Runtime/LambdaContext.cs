namespace EscRotators.Runtime;

/// <summary>What one invocation knows about itself, taken from the Runtime API's /next headers.</summary>
public sealed class LambdaContext
{
    /// <param name="awsRequestId">The Lambda request id; responses and errors are posted against it.</param>
    /// <param name="deadline">When Lambda stops the invocation; <see cref="DateTimeOffset.MaxValue"/> when unknown.</param>
    /// <param name="traceId">The X-Ray trace header, when tracing is active.</param>
    public LambdaContext(string awsRequestId, DateTimeOffset deadline, string? traceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(awsRequestId);

        AwsRequestId = awsRequestId;
        Deadline = deadline;
        TraceId = traceId;
    }

    public string AwsRequestId { get; }

    public DateTimeOffset Deadline { get; }

    public string? TraceId { get; }
}
