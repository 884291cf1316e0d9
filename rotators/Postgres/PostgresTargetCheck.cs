using EscRotators.Engines;
using Npgsql;

namespace EscRotators.Postgres;

/// <summary>
/// What makes a role unfit to rotate, read from the world-readable catalogs (pg_roles, pg_auth_members) that the
/// least-privilege managing role can see: being the session's own user, or administrative power held by the role or
/// by any role it is a member of, directly or indirectly (<c>pg_has_role(..., 'MEMBER')</c>, whatever the INHERIT and
/// SET options of the grants: whoever logs in as the target can use or become such a role). The managing role's ADMIN OPTION on the rotated roles is the manager's power, not the target's,
/// and is not looked at: only rows where the target side is the member count.
/// </summary>
internal static class PostgresTargetCheck
{
    // One row for the target itself (even when it holds nothing) and one for every role it may become that holds
    // administrative power. The superuser-equivalent predefined roles are matched by name: they exist since
    // PostgreSQL 11 and nobody else may create roles with the reserved pg_ prefix.
    private const string Sql =
        """
        SELECT r.rolname::text,
               r.oid = t.oid,
               t.rolname = current_user OR t.rolname = session_user,
               r.rolsuper, r.rolcreaterole, r.rolreplication, r.rolbypassrls,
               r.rolname IN ('pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files'),
               (SELECT count(*) FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid AND m.admin_option),
               (SELECT string_agg(quote_ident(a.rolname), ', ' ORDER BY a.rolname)
                FROM (SELECT g.rolname
                      FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
                      WHERE m.member = r.oid AND m.admin_option
                      ORDER BY g.rolname
                      LIMIT 3) a)
        FROM pg_catalog.pg_roles t
        JOIN pg_catalog.pg_roles r ON pg_catalog.pg_has_role(t.oid, r.oid, 'MEMBER')
        WHERE t.rolname = $1
          AND (r.oid = t.oid OR r.rolsuper OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls
               OR r.rolname IN ('pg_execute_server_program', 'pg_write_server_files', 'pg_read_server_files')
               OR EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid AND m.admin_option))
        ORDER BY r.oid = t.oid DESC, r.rolname
        """;

    // The LIMIT of the administered roles named in Sql (the slim Npgsql data source reads no arrays).
    private const int AdministeredShown = 3;

    /// <summary>The verdict on <paramref name="role"/>: the managing user itself, or the reasons it is administrative (empty: an ordinary role, or none of that name).</summary>
    public static async Task<TargetVerdict> ReadAsync(NpgsqlConnection connection, string role, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = role });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var reasons = new List<string>();
        var isManagingUser = false;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            var isTarget = reader.GetBoolean(1);
            isManagingUser |= reader.GetBoolean(2);
            var administers = reader.IsDBNull(9) ? null : new Administered(reader.GetInt64(8), reader.GetString(9));
            var powers = Powers(reader.GetBoolean(3), reader.GetBoolean(4), reader.GetBoolean(5), reader.GetBoolean(6), administers);
            if (reader.GetBoolean(7))
            {
                powers.Add("is superuser-equivalent (reads or writes server files, or runs programs as the server)");
            }

            if (powers.Count > 0)
            {
                var holder = isTarget ? $"role {PostgresIdentifiers.Display(name)}" : $"it is a member of role {PostgresIdentifiers.Display(name)}, which";
                reasons.Add($"{holder} {string.Join(", ", powers)}");
            }
        }

        return new TargetVerdict(isManagingUser, reasons);
    }

    private static List<string> Powers(bool superuser, bool createRole, bool replication, bool bypassRls, Administered? administers)
    {
        var powers = new List<string>();
        foreach (var (held, attribute) in new[] { (superuser, "SUPERUSER"), (createRole, "CREATEROLE"), (replication, "REPLICATION"), (bypassRls, "BYPASSRLS") })
        {
            if (held)
            {
                powers.Add($"has {attribute}");
            }
        }

        if (administers is { } admin)
        {
            var more = admin.Count > AdministeredShown ? $" and {admin.Count - AdministeredShown} more" : "";
            powers.Add($"has ADMIN OPTION on {admin.Names}{more}");
        }

        return powers;
    }

    /// <summary>The roles a role holds ADMIN OPTION on: how many, and the first few as quote_ident writes them.</summary>
    private sealed record Administered(long Count, string Names);
}
