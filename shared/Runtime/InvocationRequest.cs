namespace EscRotators.Runtime;

/// <summary>One event handed out by the Runtime API's /next endpoint.</summary>
public sealed class InvocationRequest
{
    public InvocationRequest(ReadOnlyMemory<byte> payload, LambdaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        Payload = payload;
        Context = context;
    }

    public ReadOnlyMemory<byte> Payload { get; }

    public LambdaContext Context { get; }
}
