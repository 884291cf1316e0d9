namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>The outcome of one MySQL-family login: whether it worked, and the session's TLS cipher (empty over plaintext).</summary>
public readonly record struct MySqlLogin(bool LoggedIn, string TlsCipher);
