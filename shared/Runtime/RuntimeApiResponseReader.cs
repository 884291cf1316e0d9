using System.Globalization;
using System.Net;
using System.Text;

namespace EscRotators.Runtime;

/// <summary>
/// Reads HTTP/1.1 responses from one connection: a status line, headers, and a body framed by Content-Length,
/// chunked transfer coding, or the end of the connection. Just the HTTP the Runtime API speaks, with bounds
/// on what a broken peer could make it buffer.
/// </summary>
internal sealed class RuntimeApiResponseReader
{
    /// <summary>Status line plus headers; the Runtime API sends well under 8 KB.</summary>
    internal const int MaxHeaderBytes = 64 * 1024;

    /// <summary>Lambda's largest payload is 6 MB (20 MB streamed); a body beyond this is not the Runtime API's.</summary>
    internal const int MaxBodyBytes = 32 * 1024 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    public RuntimeApiResponseReader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
    }

    /// <summary>Whether any byte of the current response has arrived (a request that saw none may be resent).</summary>
    public bool ReceivedAny { get; private set; }

    /// <summary>Starts a new response: called before its request is written.</summary>
    public void ExpectResponse() => ReceivedAny = _end > _start;

    /// <summary>Whether the connection may carry another request after the last response read.</summary>
    public bool KeepAlive { get; private set; }

    /// <exception cref="IOException">The connection ended early or the response is not valid HTTP/1.x.</exception>
    public async Task<RuntimeApiResponse> ReadAsync(CancellationToken cancellationToken)
    {
        KeepAlive = false;
        while (true)
        {
            var statusLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var (version, status, reason) = ParseStatusLine(statusLine);
            var headers = await ReadHeadersAsync(cancellationToken).ConfigureAwait(false);

            // 1xx are interim responses; the final one follows on the same connection.
            if (status is >= 100 and <= 199)
            {
                continue;
            }

            var body = await ReadBodyAsync(status, headers, cancellationToken).ConfigureAwait(false);
            KeepAlive &= version == "HTTP/1.1" && !HasToken(headers, "Connection", "close");
            return new RuntimeApiResponse((HttpStatusCode)status, reason, headers, body);
        }
    }

    private static (string Version, int Status, string Reason) ParseStatusLine(string line)
    {
        // "HTTP/1.1 202 Accepted"; the reason phrase may be empty or contain spaces.
        var parts = line.Split(' ', 3);
        if (parts.Length < 2
            || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
            || parts[1].Length != 3
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            || status < 100)
        {
            throw Malformed("status line");
        }

        return (parts[0], status, parts.Length == 3 ? parts[2] : string.Empty);
    }

    private static bool HasToken(Dictionary<string, string> headers, string name, string token) =>
        headers.TryGetValue(name, out var value)
        && value.Split(',', StringSplitOptions.TrimEntries).Contains(token, StringComparer.OrdinalIgnoreCase);

    private static IOException Malformed(string part) =>
        new($"The Runtime API sent a malformed HTTP response ({part}).");

    private static IOException TooLarge(string part) =>
        new($"The Runtime API sent a response whose {part} is too large.");

    private async Task<Dictionary<string, string>> ReadHeadersAsync(CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var total = 0;
        while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 } line)
        {
            total += line.Length + 2;
            if (total > MaxHeaderBytes)
            {
                throw TooLarge("header section");
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Malformed("header");
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();

            // Repeated headers combine into one comma-separated value, as HTTP defines.
            headers[name] = headers.TryGetValue(name, out var earlier) ? $"{earlier}, {value}" : value;
        }

        return headers;
    }

    private async Task<byte[]> ReadBodyAsync(int status, Dictionary<string, string> headers, CancellationToken cancellationToken)
    {
        KeepAlive = true;
        if (status is 204 or 304)
        {
            return [];
        }

        if (HasToken(headers, "Transfer-Encoding", "chunked"))
        {
            return await ReadChunkedBodyAsync(cancellationToken).ConfigureAwait(false);
        }

        if (headers.TryGetValue("Content-Length", out var length))
        {
            if (!long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var contentLength))
            {
                throw Malformed("Content-Length");
            }

            if (contentLength > MaxBodyBytes)
            {
                throw TooLarge("body");
            }

            var body = new byte[contentLength];
            await ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
            return body;
        }

        // Neither: the body is everything until the server closes the connection.
        KeepAlive = false;
        return await ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<byte[]> ReadChunkedBodyAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        while (true)
        {
            // "1a2b;extension=value": the size in hex, extensions ignored.
            var sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            var semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            var hex = (semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim();
            if (hex.Length is 0 or > 8 || !int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw Malformed("chunk size");
            }

            if (size == 0)
            {
                // Trailer fields, if any, end with an empty line; none of them matter here.
                while (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 })
                {
                }

                return body.ToArray();
            }

            if (body.Length + size > MaxBodyBytes)
            {
                throw TooLarge("body");
            }

            var chunk = new byte[size];
            await ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
            body.Write(chunk);
            if (await ReadLineAsync(cancellationToken).ConfigureAwait(false) is { Length: > 0 })
            {
                throw Malformed("chunk end");
            }
        }
    }

    private async Task<byte[]> ReadToEndAsync(CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        body.Write(_buffer, _start, _end - _start);
        _start = _end = 0;
        while (await FillAsync(cancellationToken).ConfigureAwait(false))
        {
            if (body.Length + _end > MaxBodyBytes)
            {
                throw TooLarge("body");
            }

            body.Write(_buffer, 0, _end);
            _start = _end = 0;
        }

        return body.ToArray();
    }

    /// <summary>Fills <paramref name="target"/> from what is buffered, then straight from the stream.</summary>
    private async Task ReadExactlyAsync(Memory<byte> target, CancellationToken cancellationToken)
    {
        var buffered = Math.Min(_end - _start, target.Length);
        _buffer.AsMemory(_start, buffered).CopyTo(target);
        _start += buffered;
        var filled = buffered;
        while (filled < target.Length)
        {
            var read = await _stream.ReadAsync(target[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The Runtime API closed the connection in the middle of a response body.");
            }

            ReceivedAny = true;
            filled += read;
        }
    }

    /// <summary>One line without its CRLF, decoded as Latin-1 (HTTP's header charset).</summary>
    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start >= MaxHeaderBytes)
            {
                throw TooLarge("header section");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new IOException(ReceivedAny
                    ? "The Runtime API closed the connection in the middle of a response."
                    : "The Runtime API closed the connection without answering.");
            }
        }

        var line = Encoding.Latin1.GetString(_buffer, _start, end);
        _start += end + 2;
        return line;
    }

    /// <summary>Reads more into the buffer, compacting or growing it first; false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        ReceivedAny |= read > 0;
        return read > 0;
    }
}
