namespace EscRotators.LocalRuntime;

/// <summary>Which replies count as success for the host's exit code.</summary>
public enum SuccessCriterion
{
    /// <summary>A response whose body is a JSON object with <c>"code":200</c> (the ESC protocol's replies).</summary>
    Code200,

    /// <summary>Any response before the deadline, whatever its body: a function that returns normally (Secrets Manager's steps).</summary>
    AnyResponse,
}
