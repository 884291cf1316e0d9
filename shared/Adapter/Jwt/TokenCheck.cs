namespace EscRotators.Adapter.Jwt;

/// <summary>
/// What <see cref="BearerTokenValidator"/> decided. <see cref="Reason"/> is for the log only (the 401 body says just
/// <c>unauthorized</c>); <see cref="Subject"/> is set once the signature has been verified.
/// </summary>
public readonly record struct TokenCheck(TokenVerdict Verdict, string Reason, string? Subject)
{
    public static TokenCheck Accepted(string? subject) => new(TokenVerdict.Accepted, "accepted", subject);

    public static TokenCheck Unauthorized(string reason, string? subject = null) => new(TokenVerdict.Unauthorized, reason, subject);
}

/// <summary>The outcome of checking a request's bearer token, each with its Form C status.</summary>
public enum TokenVerdict
{
    Accepted = 200,
    Unauthorized = 401,
    Forbidden = 403,
    KeysUnavailable = 503,
}
