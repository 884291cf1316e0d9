using MySqlConnector;

namespace EscRotators.MySql;

/// <summary>
/// An account's TLS requirement as <c>mysql.user</c> records it (<c>ssl_type</c>, <c>ssl_cipher</c>,
/// <c>x509_issuer</c>, <c>x509_subject</c>), as the <c>REQUIRE</c> clause that gives another account the same.
/// The cipher, issuer and subject are bound parameters.
/// </summary>
internal sealed record TlsRequirement(string Type, string Cipher, string Issuer, string Subject)
{
    /// <summary>The clause, naming the values as <c>@cipher</c>, <c>@issuer</c> and <c>@subject</c> (see <see cref="Bind"/>).</summary>
    /// <exception cref="FormatException">An ssl_type this rotator does not know.</exception>
    public string Clause => Type.ToUpperInvariant() switch
    {
        "" => "REQUIRE NONE",
        "ANY" => "REQUIRE SSL",
        "X509" => "REQUIRE X509",
        "SPECIFIED" => Specified(),
        _ => throw new FormatException($"mysql.user lists ssl_type '{(Type.Length <= 16 ? Type : Type[..16])}', which the rotator cannot copy"),
    };

    public void Bind(MySqlCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Parameters.AddWithValue("@cipher", Cipher);
        command.Parameters.AddWithValue("@issuer", Issuer);
        command.Parameters.AddWithValue("@subject", Subject);
    }

    // Only the parts that are set; with none, SPECIFIED demands TLS and nothing more.
    private string Specified()
    {
        var parts = new List<string>(3);
        if (Cipher.Length > 0)
        {
            parts.Add("CIPHER @cipher");
        }

        if (Issuer.Length > 0)
        {
            parts.Add("ISSUER @issuer");
        }

        if (Subject.Length > 0)
        {
            parts.Add("SUBJECT @subject");
        }

        return parts.Count == 0 ? "REQUIRE SSL" : "REQUIRE " + string.Join(" AND ", parts);
    }
}
