using System.Globalization;
using System.Text;

namespace EscRotators.LocalRuntime;

/// <summary>
/// Reads HTTP/1.1 requests with Content-Length bodies from a keep-alive connection: just enough HTTP
/// for the requests HttpClient sends to the Runtime API, and no dependency on an HTTP server stack.
/// </summary>
public sealed class HttpRequestReader(Stream stream)
{
    private byte[] _buffer = new byte[8192];
    private int _buffered;

    /// <returns>The next request, or null when the peer closed the connection.</returns>
    public async Task<LocalHttpRequest?> ReadAsync(CancellationToken cancellationToken)
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(0, _buffered).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        string[] lines = Encoding.Latin1.GetString(_buffer, 0, headerEnd).Split("\r\n");
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.AsSpan(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        if (headers.ContainsKey("Transfer-Encoding"))
        {
            throw new NotSupportedException("Chunked request bodies are not supported by the local Runtime API.");
        }

        int contentLength = headers.TryGetValue("Content-Length", out string? length)
            ? int.Parse(length, CultureInfo.InvariantCulture)
            : 0;
        int bodyStart = headerEnd + 4;
        while (_buffered < bodyStart + contentLength)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        byte[] body = _buffer.AsSpan(bodyStart, contentLength).ToArray();
        int consumed = bodyStart + contentLength;
        Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _buffered - consumed);
        _buffered -= consumed;

        return new LocalHttpRequest(requestLine[0], requestLine[1], headers, body);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_buffered == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read = await stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
        _buffered += read;
        return read > 0;
    }
}
