using System.Globalization;
using System.Text;

namespace EscRotators.LocalRuntime;

/// <summary>
/// Reads HTTP/1.1 requests with Content-Length or chunked bodies from a keep-alive connection: just enough HTTP
/// for the requests runtimes send to the Runtime API (Go's net/http streams responses chunked), and no
/// dependency on an HTTP server stack.
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

        var lines = Encoding.Latin1.GetString(_buffer, 0, headerEnd).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        Consume(headerEnd + 4);
        var body = headers.TryGetValue("Transfer-Encoding", out var coding)
            && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase)
                ? await ReadChunkedAsync(cancellationToken)
                : await ReadExactlyAsync(
                    headers.TryGetValue("Content-Length", out var length) ? int.Parse(length, CultureInfo.InvariantCulture) : 0,
                    cancellationToken);
        if (body is null)
        {
            return null;
        }

        return new LocalHttpRequest(requestLine[0], requestLine[1], headers, body);
    }

    /// <summary>The next <paramref name="count"/> bytes; null when the peer closed the connection first.</summary>
    private async Task<byte[]?> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        while (_buffered < count)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var bytes = _buffer.AsSpan(0, count).ToArray();
        Consume(count);
        return bytes;
    }

    /// <summary>One line without its CRLF; null when the peer closed the connection first.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(0, _buffered).IndexOf("\r\n"u8)) < 0)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }

        var line = Encoding.Latin1.GetString(_buffer, 0, end);
        Consume(end + 2);
        return line;
    }

    /// <summary>A chunked body: hex size lines (extensions ignored), data, a zero chunk, trailers, an empty line.</summary>
    private async Task<byte[]?> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (await ReadLineAsync(cancellationToken) is { } sizeLine)
        {
            var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while (await ReadLineAsync(cancellationToken) is { } trailer)
                {
                    if (trailer.Length == 0)
                    {
                        return body.ToArray();
                    }
                }

                return null;
            }

            if (await ReadExactlyAsync(size + 2, cancellationToken) is not { } chunk)
            {
                return null;
            }

            body.Write(chunk, 0, size);
        }

        return null;
    }

    private void Consume(int count)
    {
        Buffer.BlockCopy(_buffer, count, _buffer, 0, _buffered - count);
        _buffered -= count;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_buffered == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
        _buffered += read;
        return read > 0;
    }
}
