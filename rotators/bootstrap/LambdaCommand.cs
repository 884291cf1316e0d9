namespace EscRotators.Bootstrap;

/// <summary>Runs the Lambda Runtime API loop (wired once the runtime client lands).</summary>
internal static class LambdaCommand
{
    public static Task<int> RunAsync()
    {
        Console.Error.WriteLine("bootstrap: the Lambda runtime loop is not available in this build yet");
        return Task.FromResult(3);
    }
}
