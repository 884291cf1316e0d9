namespace EscRotators.Adapter;

/// <summary>The adapter's answer: a status and a JSON body, plus the token subject for the access log.</summary>
public sealed class AdapterResponse
{
    public const string ContentType = "application/json";

    public AdapterResponse(int statusCode, byte[] body, string? subject)
    {
        StatusCode = statusCode;
        Body = body;
        Subject = subject;
    }

    public int StatusCode { get; }

    /// <summary>UTF-8 JSON: Form C's response on 200, <c>{"error":"..."}</c> otherwise.</summary>
    public byte[] Body { get; }

    /// <summary>The verified token's <c>sub</c>; null when the token was not verified.</summary>
    public string? Subject { get; }
}
