namespace EscRotators.Tls;

/// <summary>The wire spelling of <see cref="TlsMode"/> values.</summary>
public static class TlsModeNames
{
    public const string Accepted = "disable, prefer, require, verify-ca, verify-full";

    public static bool TryParse(string? text, out TlsMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "disable": mode = TlsMode.Disable; return true;
            case "prefer": mode = TlsMode.Prefer; return true;
            case "require": mode = TlsMode.Require; return true;
            case "verify-ca": mode = TlsMode.VerifyCA; return true;
            case "verify-full": mode = TlsMode.VerifyFull; return true;
            default: mode = TlsMode.Prefer; return false;
        }
    }

    public static string ToWireName(this TlsMode mode) => mode switch
    {
        TlsMode.Disable => "disable",
        TlsMode.Prefer => "prefer",
        TlsMode.Require => "require",
        TlsMode.VerifyCA => "verify-ca",
        TlsMode.VerifyFull => "verify-full",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };
}
