using System.Text;
using System.Text.Json.Nodes;

namespace EscRotators.UnitTests.Fuzzing;

/// <summary>
/// Produces hostile variants of valid events from a seeded <see cref="Random"/>, so a failure names its seed and
/// replays exactly: byte-level damage (truncation, deletion, insertion, invalid UTF-8) and structural damage
/// (wrong types, nulls, huge strings, deep nesting, duplicate keys, oversized payloads).
/// </summary>
internal sealed class EventMutator
{
    private static readonly byte[][] HostileBytes =
    [
        [0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00], "\\ud800"u8.ToArray(),
        "\""u8.ToArray(), "{"u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), "null"u8.ToArray(), "1e999999"u8.ToArray(),
    ];

    private readonly Random _random;

    public EventMutator(int seed) => _random = new Random(seed);

    public byte[] Mutate(string seedEvent)
    {
        return _random.Next(12) switch
        {
            0 => Truncate(Encoding.UTF8.GetBytes(seedEvent)),
            1 => DeleteRange(Encoding.UTF8.GetBytes(seedEvent)),
            2 => InsertBytes(Encoding.UTF8.GetBytes(seedEvent)),
            3 => FlipBytes(Encoding.UTF8.GetBytes(seedEvent)),
            4 or 5 or 6 => Encoding.UTF8.GetBytes(ReplaceValues(seedEvent)),
            7 => Encoding.UTF8.GetBytes(Nest(seedEvent)),
            8 => Encoding.UTF8.GetBytes(DuplicateKeys(seedEvent)),
            9 => Encoding.UTF8.GetBytes(HugeString(seedEvent, _random.Next(1_000, 300_000))),
            10 => RandomBytes(),
            _ => Encoding.UTF8.GetBytes(ReplaceValues(ReplaceValues(seedEvent))),
        };
    }

    /// <summary>A payload at Lambda's 6 MB request limit: one huge string in a random field.</summary>
    public byte[] Oversized(string seedEvent) => Encoding.UTF8.GetBytes(HugeString(seedEvent, 6 * 1024 * 1024 - seedEvent.Length - 64));

    private byte[] Truncate(byte[] bytes) => bytes[.._random.Next(bytes.Length)];

    private byte[] DeleteRange(byte[] bytes)
    {
        var start = _random.Next(bytes.Length);
        var length = _random.Next(1, Math.Min(20, bytes.Length - start) + 1);
        return [.. bytes[..start], .. bytes[(start + length)..]];
    }

    private byte[] InsertBytes(byte[] bytes)
    {
        var at = _random.Next(bytes.Length + 1);
        var insert = HostileBytes[_random.Next(HostileBytes.Length)];
        return [.. bytes[..at], .. insert, .. bytes[at..]];
    }

    private byte[] FlipBytes(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
        }

        return copy;
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[_random.Next(0, 200)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string ReplaceValues(string json)
    {
        var root = JsonNode.Parse(json)!;
        var slots = new List<(JsonObject Parent, string Key)>();
        Collect(root, slots);
        for (var i = _random.Next(1, 4); i > 0 && slots.Count > 0; i--)
        {
            var (parent, key) = slots[_random.Next(slots.Count)];
            parent[key] = RandomValue();
        }

        return root.ToJsonString();
    }

    private static void Collect(JsonNode? node, List<(JsonObject, string)> slots)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                slots.Add((obj, key));
                Collect(value, slots);
            }
        }
    }

    private JsonNode? RandomValue() => _random.Next(12) switch
    {
        0 => null,
        1 => JsonValue.Create(_random.Next(int.MinValue, int.MaxValue)),
        2 => JsonValue.Create(_random.NextDouble() * 1e300),
        3 => JsonValue.Create(true),
        4 => new JsonArray(JsonValue.Create(1), null, JsonValue.Create("x")),
        5 => new JsonObject { ["nested"] = new JsonObject { ["deeper"] = null } },
        6 => JsonValue.Create(""),
        7 => JsonValue.Create(new string('A', _random.Next(1, 5000))),
        8 => JsonValue.Create("\u0000\u001f\u2028\ud83d\ude00\\\"'"),
        9 => JsonValue.Create("99999999999999999999"),
        10 => JsonValue.Create(-1),
        _ => JsonValue.Create(70000),
    };

    private string Nest(string json)
    {
        var depth = _random.Next(10, 5000);
        var open = _random.Next(2) == 0 ? "[" : "{\"a\":";
        var close = open == "[" ? "]" : "}";
        return "{\"type\":\"mysql\",\"inputs\":" + string.Concat(Enumerable.Repeat(open, depth)) + json
            + string.Concat(Enumerable.Repeat(close, depth)) + "}";
    }

    private static string DuplicateKeys(string json) =>
        json.Insert(1, "\"type\":\"postgres\",\"host\":null,\"inputs\":7,\"TYPE\":[],");

    private string HugeString(string json, int length)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        var keys = new[] { "type", "host", "database", "extra" };
        root[keys[_random.Next(keys.Length)]] = new string((char)('a' + _random.Next(26)), Math.Max(length, 1));
        return root.ToJsonString();
    }
}
