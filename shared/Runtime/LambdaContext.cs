namespace EscRotators.Runtime;

/// <summary>What one invocation knows about itself, taken from the Runtime API's /next headers.</summary>
public sealed class LambdaContext
{
    private readonly TimeProvider _timeProvider;

    /// <param name="awsRequestId">The Lambda request id; responses and errors are posted against it.</param>
    /// <param name="deadline">When Lambda stops the invocation; <see cref="DateTimeOffset.MaxValue"/> when unknown.</param>
    /// <param name="invokedFunctionArn">The ARN the caller used, including any alias or version.</param>
    /// <param name="traceId">The X-Ray trace header, when tracing is active.</param>
    /// <param name="timeProvider">The clock <see cref="RemainingTime"/> is measured against.</param>
    public LambdaContext(
        string awsRequestId,
        DateTimeOffset deadline,
        string? invokedFunctionArn,
        string? traceId,
        TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(awsRequestId);
        ArgumentNullException.ThrowIfNull(timeProvider);

        AwsRequestId = awsRequestId;
        Deadline = deadline;
        InvokedFunctionArn = invokedFunctionArn;
        TraceId = traceId;
        _timeProvider = timeProvider;
    }

    public string AwsRequestId { get; }

    public string? InvokedFunctionArn { get; }

    public string? TraceId { get; }

    /// <summary>The raw Lambda-Runtime-Client-Context header (mobile SDK callers only).</summary>
    public string? ClientContext { get; init; }

    /// <summary>The raw Lambda-Runtime-Cognito-Identity header (mobile SDK callers only).</summary>
    public string? CognitoIdentity { get; init; }

    public DateTimeOffset Deadline { get; }

    /// <summary>Time left until <see cref="Deadline"/>; zero once it has passed.</summary>
    public TimeSpan RemainingTime
    {
        get
        {
            TimeSpan remaining = Deadline - _timeProvider.GetUtcNow();
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }
}
