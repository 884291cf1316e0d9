namespace EscRotators.LocalRuntime;

/// <summary>One line the bootstrap wrote, without its line break.</summary>
public sealed record BootstrapLogLine(BootstrapLogStream Stream, string Text);
