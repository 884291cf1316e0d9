namespace EscRotators.Adapter;

/// <summary>The answer of <see cref="ReplayCache.TryRecord"/>.</summary>
public enum ReplayVerdict
{
    Recorded,
    Replayed,
    Full,
}
