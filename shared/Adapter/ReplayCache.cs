namespace EscRotators.Adapter;

/// <summary>
/// Token ids (<c>jti</c>) seen while their tokens are still valid. Per process: each Lambda execution environment
/// or server instance keeps its own. Bounded: when full of unexpired ids it refuses new ones rather than forget one
/// that could then be replayed.
/// </summary>
public sealed class ReplayCache
{
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();

    public ReplayCache(int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _time = time;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Records <paramref name="tokenId"/> until <paramref name="forgetAfter"/>.</summary>
    public ReplayVerdict TryRecord(string tokenId, DateTimeOffset forgetAfter)
    {
        ArgumentNullException.ThrowIfNull(tokenId);
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            while (_expiries.TryPeek(out var id, out var expiry) && expiry <= now)
            {
                _expiries.Dequeue();
                _seen.Remove(id);
            }

            if (_seen.ContainsKey(tokenId))
            {
                return ReplayVerdict.Replayed;
            }

            if (_seen.Count >= _capacity)
            {
                return ReplayVerdict.Full;
            }

            _seen.Add(tokenId, forgetAfter);
            _expiries.Enqueue(tokenId, forgetAfter);
            return ReplayVerdict.Recorded;
        }
    }
}

/// <summary>The answer of <see cref="ReplayCache.TryRecord"/>.</summary>
public enum ReplayVerdict
{
    Recorded,
    Replayed,
    Full,
}
