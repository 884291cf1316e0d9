namespace EscRotators.Adapter.Jwt;

/// <summary>The outcome of checking a request's bearer token, each with its Form C status.</summary>
public enum TokenVerdict
{
    Accepted = 200,
    Unauthorized = 401,
    Forbidden = 403,
    KeysUnavailable = 503,
}
