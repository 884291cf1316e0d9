namespace EscRotators.Rotation;

/// <summary>What a generated password looks like: <see cref="Length"/> characters of [A-Za-z0-9] plus <see cref="Symbols"/>.</summary>
public sealed record PasswordPolicy
{
    public const int MinimumLength = 16;
    public const int MaximumLength = 128;
    public const int DefaultLength = 32;

    public static PasswordPolicy Default { get; } = new();

    public int Length { get; init; } = DefaultLength;

    /// <summary>Extra allowed characters (printable ASCII punctuation); empty for alphanumerics only.</summary>
    public string Symbols { get; init; } = "";
}
