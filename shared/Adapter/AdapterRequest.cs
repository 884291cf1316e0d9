namespace EscRotators.Adapter;

/// <summary>An HTTP request as the adapter sees it, whichever transport carried it.</summary>
public sealed class AdapterRequest
{
    public AdapterRequest(string method, IReadOnlyDictionary<string, string> headers, ReadOnlyMemory<byte> body)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(headers);
        Method = method;
        Headers = headers;
        Body = body;
    }

    public string Method { get; }

    /// <summary>Header values by name; the transport supplies a case-insensitive dictionary.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The raw body bytes, exactly as signed (<c>body_hash</c>).</summary>
    public ReadOnlyMemory<byte> Body { get; }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
