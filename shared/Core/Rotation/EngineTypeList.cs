namespace EscRotators.Rotation;

/// <summary>Writes the accepted <c>type</c> values as a sentence, so no message lists the engines by hand.</summary>
public static class EngineTypeList
{
    /// <summary><c>"a"</c>, <c>"a" or "b"</c>, <c>"a", "b" or "c"</c>.</summary>
    public static string Describe(IEnumerable<string> types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var quoted = types.Select(t => $"\"{t}\"").ToArray();
        return quoted.Length switch
        {
            0 => "(no engine)",
            1 => quoted[0],
            _ => string.Join(", ", quoted[..^1]) + " or " + quoted[^1],
        };
    }
}
