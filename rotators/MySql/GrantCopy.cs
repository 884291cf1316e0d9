using System.Globalization;
using System.Text;

namespace EscRotators.MySql;

/// <summary>
/// Rewrites the lines <c>SHOW GRANTS FOR '<i>from</i>'@'%'</c> prints into statements that give another account the
/// same privileges, objects, roles and grant options. Each line is read as tokens (quoted identifiers and strings
/// are single tokens, so a name holding <c> TO </c> or a backtick cannot be mistaken for syntax); exactly the
/// server-quoted grantee after the last <c>TO</c> (or <c>FOR</c>, in <c>SET DEFAULT ROLE</c>) is replaced by the bound
/// parameter <see cref="GranteeParameter"/>. What follows the grantee is account-level (its password, TLS
/// requirement and resource limits): the password is never copied, the TLS requirement is read from the catalog,
/// and the limits are returned as <see cref="CopiedGrants.AccountLimits"/> for <c>CREATE USER</c>/<c>ALTER USER</c>,
/// which need no global GRANT OPTION. Anything unexpected is refused (<see cref="FormatException"/>) rather than
/// guessed at.
/// </summary>
internal static class GrantCopy
{
    /// <summary>The parameter the statements name the receiving account's user name by (its host is <c>'%'</c>).</summary>
    public const string GranteeParameter = "@grantee";

    // The resource limits MariaDB and MySQL print after WITH.
    private static readonly HashSet<string> Limits = new(StringComparer.OrdinalIgnoreCase)
    {
        "MAX_QUERIES_PER_HOUR", "MAX_UPDATES_PER_HOUR", "MAX_CONNECTIONS_PER_HOUR", "MAX_USER_CONNECTIONS", "MAX_STATEMENT_TIME",
    };

    private enum Kind
    {
        Word,
        Identifier,
        Text,
        Symbol,
    }

    /// <summary>The statements for every line of <paramref name="lines"/>, printed by the server for <c>'<paramref name="fromUser"/>'@'%'</c>.</summary>
    /// <exception cref="FormatException">A line is not in the form the server prints; the message names it by number only.</exception>
    public static CopiedGrants Rewrite(IReadOnlyList<string> lines, string fromUser)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(fromUser);
        var statements = new List<string>();
        var limits = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            try
            {
                if (RewriteLine(lines[i], fromUser, limits) is { } statement)
                {
                    statements.Add(statement);
                }
            }
            catch (FormatException unexpected)
            {
                // The line itself may hold the account's password hash: name it by number.
                throw new FormatException($"line {i + 1} of SHOW GRANTS {unexpected.Message}", unexpected);
            }
        }

        return new CopiedGrants(statements, limits);
    }

    private static string? RewriteLine(string line, string fromUser, List<string> limits)
    {
        var tokens = Tokenize(line);
        var setDefaultRole = tokens.Count > 3 && IsWord(tokens[0], "SET") && IsWord(tokens[1], "DEFAULT") && IsWord(tokens[2], "ROLE");
        if (!setDefaultRole && !(tokens.Count > 0 && IsWord(tokens[0], "GRANT")))
        {
            throw new FormatException("is neither a GRANT nor a SET DEFAULT ROLE");
        }

        var keyword = setDefaultRole ? "FOR" : "TO";
        var at = LastGrantee(tokens, keyword, fromUser);
        if (at < 0)
        {
            throw new FormatException($"does not end in {keyword} and the account's quoted name");
        }

        CheckVerbatim(tokens, at);
        var (grantOption, adminOption) = ReadTail(tokens, at + 4, limits);
        if (!grantOption && IsUsageOnEverything(tokens, at))
        {
            // The account itself: CREATE USER or ALTER USER covers it, and GRANT USAGE ON *.* needs global GRANT OPTION.
            return null;
        }

        var statement = new StringBuilder(line, 0, tokens[at].Start, line.Length + 32)
            .Append(line, tokens[at].Start, tokens[at].End - tokens[at].Start)
            .Append(' ').Append(GranteeParameter).Append("@'%'");
        if (grantOption)
        {
            statement.Append(" WITH GRANT OPTION");
        }

        if (adminOption)
        {
            statement.Append(" WITH ADMIN OPTION");
        }

        return statement.ToString();
    }

    // The last "<keyword> `from`@`%`": in a PROXY grant the proxied account comes first.
    private static int LastGrantee(List<Token> tokens, string keyword, string fromUser)
    {
        for (var k = tokens.Count - 4; k >= 1; k--)
        {
            if (IsWord(tokens[k], keyword)
                && IsName(tokens[k + 1], fromUser)
                && IsAt(tokens, k + 2)
                && IsName(tokens[k + 3], MySqlAccounts.AnyHost))
            {
                return k;
            }
        }

        return -1;
    }

    // The text kept before the grantee goes to MySqlConnector, which would take an unquoted '?', '@name', ';' or a
    // comment for syntax of its own: the server prints none of them outside quotes, so any is refused.
    private static void CheckVerbatim(List<Token> tokens, int end)
    {
        for (var i = 0; i < end; i++)
        {
            var token = tokens[i];
            if (token.Kind == Kind.Symbol && !(token.Value is "*" or "," or "(" or ")" || (token.Value == "@" && IsAt(tokens, i))))
            {
                throw new FormatException($"holds an unexpected '{token.Value}'");
            }
        }
    }

    // After the grantee: IDENTIFIED ... (the password: dropped), REQUIRE ... (read from the catalog instead),
    // WITH GRANT OPTION / ADMIN OPTION (kept) and resource limits (moved to the account statement).
    private static (bool GrantOption, bool AdminOption) ReadTail(List<Token> tokens, int start, List<string> limits)
    {
        var (grantOption, adminOption) = (false, false);
        var t = start;
        while (t < tokens.Count)
        {
            if (IsWord(tokens[t], "IDENTIFIED") || IsWord(tokens[t], "REQUIRE"))
            {
                t++;
                while (t < tokens.Count && !IsWord(tokens[t], "REQUIRE") && !IsWord(tokens[t], "WITH"))
                {
                    t++;
                }
            }
            else if (IsWord(tokens[t], "WITH"))
            {
                t++;
                while (t < tokens.Count)
                {
                    if (t + 1 < tokens.Count && IsWord(tokens[t], "GRANT") && IsWord(tokens[t + 1], "OPTION"))
                    {
                        grantOption = true;
                        t += 2;
                    }
                    else if (t + 1 < tokens.Count && IsWord(tokens[t], "ADMIN") && IsWord(tokens[t + 1], "OPTION"))
                    {
                        adminOption = true;
                        t += 2;
                    }
                    else if (tokens[t].Kind == Kind.Word && Limits.Contains(tokens[t].Value) && Number(tokens, t + 1) is var (value, next))
                    {
                        limits.Add($"{tokens[t].Value.ToUpperInvariant()} {value}");
                        t = next;
                    }
                    else
                    {
                        throw new FormatException($"has an unexpected WITH option ({Describe(tokens[t])})");
                    }
                }
            }
            else
            {
                throw new FormatException($"has unexpected text after the account's name ({Describe(tokens[t])})");
            }
        }

        return (grantOption, adminOption);
    }

    // A limit's value: digits, with a fraction for MAX_STATEMENT_TIME and a sign for MariaDB's -1.
    private static (string Value, int Next)? Number(List<Token> tokens, int t)
    {
        var negative = t < tokens.Count && tokens[t] is { Kind: Kind.Symbol, Value: "-" };
        var at = negative ? t + 1 : t;
        if (at >= tokens.Count || tokens[at].Kind != Kind.Word
            || !decimal.TryParse(tokens[at].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
        {
            return null;
        }

        return ((negative ? "-" : "") + tokens[at].Value, at + 1);
    }

    private static bool IsUsageOnEverything(List<Token> tokens, int end) =>
        end == 6
        && IsWord(tokens[1], "USAGE") && IsWord(tokens[2], "ON")
        && tokens[3] is { Kind: Kind.Symbol, Value: "*" } && tokens[4] is { Kind: Kind.Word, Value: "." } && tokens[5] is { Kind: Kind.Symbol, Value: "*" };

    private static bool IsWord(Token token, string word) =>
        token.Kind == Kind.Word && string.Equals(token.Value, word, StringComparison.OrdinalIgnoreCase);

    private static bool IsName(Token token, string name) =>
        token.Kind is Kind.Identifier or Kind.Text && string.Equals(token.Value, name, StringComparison.Ordinal);

    // '@' joining a user and a host: directly between two quoted tokens.
    private static bool IsAt(List<Token> tokens, int i) =>
        i > 0 && i + 1 < tokens.Count
        && tokens[i] is { Kind: Kind.Symbol, Value: "@" }
        && tokens[i - 1].Kind is Kind.Identifier or Kind.Text && tokens[i - 1].End == tokens[i].Start
        && tokens[i + 1].Kind is Kind.Identifier or Kind.Text && tokens[i + 1].Start == tokens[i].End;

    private static string Describe(Token token) => token.Kind switch
    {
        Kind.Word when token.Value.Length <= 32 => token.Value,
        Kind.Symbol => $"'{token.Value}'",
        _ => token.Kind == Kind.Word ? "a long word" : "a quoted value",
    };

    private static List<Token> Tokenize(string line)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < line.Length)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '`' or '"' or '\'')
            {
                var (value, end) = Quoted(line, i);
                if (c == '"' && value.Contains('\\', StringComparison.Ordinal))
                {
                    // ANSI_QUOTES identifiers are verbatim to the server but escaped strings to MySqlConnector.
                    throw new FormatException("holds a double-quoted name with a backslash (sql_mode ANSI_QUOTES); clear ANSI_QUOTES from the server's sql_mode");
                }

                tokens.Add(new Token(c == '\'' ? Kind.Text : Kind.Identifier, i, end, value));
                i = end;
            }
            else if (IsWordCharacter(c))
            {
                var start = i;
                while (i < line.Length && IsWordCharacter(line[i]))
                {
                    i++;
                }

                tokens.Add(new Token(Kind.Word, start, i, line[start..i]));
            }
            else
            {
                tokens.Add(new Token(Kind.Symbol, i, i + 1, c.ToString()));
                i++;
            }
        }

        return tokens;
    }

    // A quoted token from its opening quote: the quote doubled stands for itself; in a string, a backslash escapes
    // the next character (the server's default sql_mode). Returns the unquoted value and the index after the close.
    private static (string Value, int End) Quoted(string line, int start)
    {
        var quote = line[start];
        var value = new StringBuilder();
        var i = start + 1;
        while (i < line.Length)
        {
            var c = line[i];
            if (c == quote)
            {
                if (i + 1 < line.Length && line[i + 1] == quote)
                {
                    value.Append(quote);
                    i += 2;
                    continue;
                }

                return (value.ToString(), i + 1);
            }

            if (c == '\\' && quote == '\'' && i + 1 < line.Length)
            {
                value.Append(line[i + 1]);
                i += 2;
                continue;
            }

            value.Append(c);
            i++;
        }

        throw new FormatException("holds an unterminated quoted name");
    }

    private static bool IsWordCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '$' or '.';

    private readonly record struct Token(Kind Kind, int Start, int End, string Value);
}

/// <summary>What <see cref="GrantCopy.Rewrite"/> found: the statements to run, and the account's resource limits.</summary>
/// <param name="Statements">GRANT and SET DEFAULT ROLE statements naming the receiving account as <see cref="GrantCopy.GranteeParameter"/>.</param>
/// <param name="AccountLimits">Resource limits such as <c>MAX_USER_CONNECTIONS 3</c>, for the account statement's WITH clause.</param>
internal sealed record CopiedGrants(IReadOnlyList<string> Statements, IReadOnlyList<string> AccountLimits);
