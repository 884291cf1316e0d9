using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EscRotators.SecretsManager;

/// <summary>
/// AWS Signature Version 4, header form (<c>Authorization: AWS4-HMAC-SHA256 ...</c>), as described in AWS's SigV4
/// documentation and checked against AWS's published test suite and <c>@smithy/signature-v4</c>.
/// Supported: any method; the path normalised (empty, <c>.</c> and <c>..</c> segments removed) and URI-encoded once
/// per segment, as for every service but S3; query parameters encoded and sorted; header names lower-cased, values
/// trimmed with inner runs of spaces collapsed, repeated names joined with commas, sorted.
/// Not supported, because this client signs only its own requests: presigned URLs (query-string signing),
/// SigV4a, S3's unnormalised single-encoded paths, chunked payloads, and obsolete folded (multi-line) header values.
/// </summary>
public sealed class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    private readonly AwsCredentials _credentials;
    private readonly string _region;
    private readonly string _service;
    private readonly TimeProvider _time;

    public SigV4Signer(AwsCredentials credentials, string region, string service, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentException.ThrowIfNullOrEmpty(region);
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(time);
        _credentials = credentials;
        _region = region;
        _service = service;
        _time = time;
    }

    public SigV4Signature Sign(SigV4Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow().UtcDateTime;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var shortDate = amzDate[..8];

        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count + 2);
        foreach (var header in request.Headers)
        {
            if (header.Key.Equals("x-amz-date", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("x-amz-security-token", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("authorization", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"the signer adds the {header.Key} header itself", nameof(request));
            }
            headers.Add(header);
        }
        headers.Add(new("x-amz-date", amzDate));
        if (_credentials.SessionToken is { } token)
        {
            headers.Add(new("x-amz-security-token", token));
        }

        var canonical = CanonicalRequest(request with { Headers = headers }, out var signedHeaders);
        var scope = $"{shortDate}/{_region}/{_service}/aws4_request";
        var stringToSign = StringToSign(amzDate, scope, canonical);
        var signature = Convert.ToHexStringLower(HmacSha256(SigningKey(shortDate), stringToSign));
        var authorization =
            $"{Algorithm} Credential={_credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Signature(amzDate, _credentials.SessionToken, authorization, signedHeaders);
    }

    /// <summary>The canonical request of SigV4's first step; <paramref name="signedHeaders"/> is its header list.</summary>
    public static string CanonicalRequest(SigV4Request request, out string signedHeaders)
    {
        ArgumentNullException.ThrowIfNull(request);
        var builder = new StringBuilder(256);
        builder.Append(request.Method).Append('\n');
        builder.Append(CanonicalPath(request.Path)).Append('\n');
        builder.Append(CanonicalQuery(request.Query)).Append('\n');

        // Names sorted ordinally; values of a repeated name keep the order they were given in.
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Headers)
        {
            var key = name.Trim().ToLowerInvariant();
            if (!byName.TryGetValue(key, out var values))
            {
                values = [];
                byName.Add(key, values);
            }
            values.Add(CanonicalHeaderValue(value));
        }
        foreach (var (name, values) in byName)
        {
            builder.Append(name).Append(':').AppendJoin(',', values).Append('\n');
        }
        builder.Append('\n');
        signedHeaders = string.Join(';', byName.Keys);
        builder.Append(signedHeaders).Append('\n');
        builder.Append(request.PayloadSha256Hex);
        return builder.ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest))}";

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    internal static string CanonicalPath(string path)
    {
        // Empty, "." and ".." segments go (RFC 3986 dot-segment removal, plus empty ones as AWS does); the
        // leading and trailing slashes stay.
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }
                continue;
            }
            segments.Add(UriEncode(segment));
        }
        var builder = new StringBuilder(path.Length + 8);
        if (path.StartsWith('/'))
        {
            builder.Append('/');
        }
        builder.AppendJoin('/', segments);
        if (segments.Count > 0 && path.EndsWith('/'))
        {
            builder.Append('/');
        }
        return builder.ToString();
    }

    internal static string CanonicalQuery(IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var encoded = new List<(string Key, string Value)>(query.Count);
        foreach (var (key, value) in query)
        {
            encoded.Add((UriEncode(key), UriEncode(value)));
        }
        encoded.Sort((a, b) =>
        {
            var byKey = string.CompareOrdinal(a.Key, b.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', encoded.Select(pair => pair.Key + "=" + pair.Value));
    }

    /// <summary>Trimmed, each run of spaces inside reduced to one (quotes included, as the suite's header-value-trim case wants).</summary>
    internal static string CanonicalHeaderValue(string value)
    {
        var trimmed = value.Trim();
        var builder = new StringBuilder(trimmed.Length);
        var previousSpace = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!previousSpace)
                {
                    builder.Append(c);
                }
                previousSpace = true;
            }
            else
            {
                builder.Append(c);
                previousSpace = false;
            }
        }
        return builder.ToString();
    }

    /// <summary>RFC 3986 percent-encoding of UTF-8 bytes, all but the unreserved characters, upper-case hex.</summary>
    internal static string UriEncode(string value)
    {
        var builder = new StringBuilder(value.Length * 3 / 2);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && IsUnreserved((char)rune.Value))
            {
                builder.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            for (var i = 0; i < length; i++)
            {
                builder.Append('%').Append(utf8[i].ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return builder.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private byte[] SigningKey(string shortDate)
    {
        var key = HmacSha256(Encoding.UTF8.GetBytes("AWS4" + _credentials.SecretAccessKey), shortDate);
        key = HmacSha256(key, _region);
        key = HmacSha256(key, _service);
        return HmacSha256(key, "aws4_request");
    }

    private static byte[] HmacSha256(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
