namespace EscRotators.LocalRuntime;

/// <summary>Which of the bootstrap's output streams a line came from (Lambda ships both to CloudWatch alike).</summary>
public enum BootstrapLogStream
{
    StandardOutput,
    StandardError,
}
