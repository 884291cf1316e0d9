using Npgsql;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// PostgreSQL logins for one test. Admin SQL is built by the server itself: <c>format('%I', '%L')</c> over bound
/// parameters, so hostile names cannot break it; passwords are sent as SCRAM verifiers, never in plaintext.
/// </summary>
public sealed class PostgresTestDatabase : ITestDatabase
{
    private readonly PostgresServer _server;
    private readonly List<string> _created = [];
    private readonly List<string> _tables = [];

    public PostgresTestDatabase(PostgresServer server)
    {
        _server = server;
    }

    public DbEngine Engine => DbEngine.Postgres;

    public string Type => "postgres";

    public string Host => _server.Host;

    public int Port => _server.Port;

    public string Database => _server.Database;

    public bool Tls => _server.Tls;

    public string? StatementLog => _server.StatementLog;

    public int MajorVersion => _server.MajorVersion;

    public IReadOnlyList<string> MissingGrantAdvice { get; } = ["WITH ADMIN OPTION", "CREATEROLE"];

    public async Task<TestUser> CreateUserAsync(string? name = null, string? password = null)
    {
        var user = new TestUser(name ?? Secrets.UniqueName("_user"), password ?? Secrets.Plain());
        await CreateRoleAsync("CREATE ROLE %I LOGIN PASSWORD %L", user).ConfigureAwait(false);
        return user;
    }

    /// <summary>A login with role attributes such as <c>SUPERUSER</c> or <c>CREATEROLE</c> (keywords written by the test, not data).</summary>
    public async Task<TestUser> CreateUserWithAttributesAsync(string attributes)
    {
        var user = new TestUser(Secrets.UniqueName("_user"), Secrets.Plain());
        await CreateRoleAsync($"CREATE ROLE %I LOGIN {attributes} PASSWORD %L", user).ConfigureAwait(false);
        return user;
    }

    /// <summary>A group role (NOLOGIN) with <paramref name="attributes"/>; its name.</summary>
    public async Task<string> CreateGroupAsync(string attributes = "")
    {
        var name = Secrets.UniqueName("_grp");
        _created.Add(name);
        await ExecuteAsync($"CREATE ROLE %I NOLOGIN {attributes}", name).ConfigureAwait(false);
        return name;
    }

    /// <summary>Makes <paramref name="member"/> a member of <paramref name="role"/>, with ADMIN OPTION when asked.</summary>
    public Task GrantRoleAsync(string role, string member, bool adminOption = false) =>
        ExecuteAsync(adminOption ? "GRANT %I TO %I WITH ADMIN OPTION" : "GRANT %I TO %I", role, member);

    /// <summary>Drops role <paramref name="name"/> on dispose, for a role the product creates.</summary>
    public void DropOnDispose(string name) => _created.Add(name);

    /// <summary>A one-row table in the database's public schema, dropped on dispose before the roles; its name.</summary>
    public async Task<string> CreateTableAsync()
    {
        var name = Secrets.UniqueName("_tbl");
        _tables.Add(name);
        await ExecuteAsync("CREATE TABLE public.%I AS SELECT 1 AS id", name).ConfigureAwait(false);
        return name;
    }

    /// <summary>Lets <paramref name="role"/> read table <paramref name="table"/>.</summary>
    public Task GrantSelectAsync(string table, string role) => ExecuteAsync("GRANT SELECT ON TABLE public.%I TO %I", table, role);

    /// <summary>Ends <paramref name="member"/>'s membership of <paramref name="role"/>.</summary>
    public Task RevokeRoleAsync(string role, string member) => ExecuteAsync("REVOKE %I FROM %I", role, member);

    /// <summary>What pg_roles says of <paramref name="role"/>: whether it exists and may log in (null when it does not exist).</summary>
    public async Task<bool?> CanLoginAttributeAsync(string role) =>
        await ScalarAsync("SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1", role).ConfigureAwait(false) as bool?;

    /// <summary>True when pg_auth_members records <paramref name="member"/> as a direct member of <paramref name="role"/>.</summary>
    public async Task<bool> IsDirectMemberAsync(string role, string member) =>
        (long)(await ScalarAsync(
            "SELECT count(*) FROM pg_catalog.pg_auth_members m " +
            "JOIN pg_catalog.pg_roles r ON r.oid = m.roleid JOIN pg_catalog.pg_roles u ON u.oid = m.member " +
            "WHERE r.rolname = $1 AND u.rolname = $2",
            role,
            member).ConfigureAwait(false))! > 0;

    /// <summary>Makes every session of <paramref name="user"/> start as <paramref name="role"/> (<c>ALTER ROLE ... SET role</c>).</summary>
    public Task SetSessionRoleAsync(TestUser user, string role) => ExecuteAsync("ALTER ROLE %I SET role TO %I", user.Name, role);

    public async Task<TestUser> CreateManagingUserAsync(IEnumerable<TestUser> rotatable, string? name = null, string? password = null)
    {
        var manager = new TestUser(name ?? Secrets.UniqueName("_mgr"), password ?? Secrets.Plain());
        await CreateRoleAsync("CREATE ROLE %I LOGIN CREATEROLE PASSWORD %L", manager).ConfigureAwait(false);
        foreach (var user in rotatable)
        {
            await ExecuteAsync("GRANT %I TO %I WITH ADMIN OPTION", user.Name, manager.Name).ConfigureAwait(false);
        }

        return manager;
    }

    public async Task<TestUser> CreateManagingUserWithoutGrantAsync(IEnumerable<TestUser> rotatable)
    {
        var manager = new TestUser(Secrets.UniqueName("_weak"), Secrets.Plain());
        if (MajorVersion >= 16)
        {
            // 16+: CREATEROLE alone no longer covers roles the manager holds no ADMIN OPTION on.
            await CreateRoleAsync("CREATE ROLE %I LOGIN CREATEROLE PASSWORD %L", manager).ConfigureAwait(false);
        }
        else
        {
            // 15 and older: CREATEROLE alone suffices, so the missing piece to test is CREATEROLE itself.
            await CreateRoleAsync("CREATE ROLE %I LOGIN PASSWORD %L", manager).ConfigureAwait(false);
            foreach (var user in rotatable)
            {
                await ExecuteAsync("GRANT %I TO %I WITH ADMIN OPTION", user.Name, manager.Name).ConfigureAwait(false);
            }
        }

        return manager;
    }

    /// <summary>Makes <paramref name="user"/> a member of a group role that pg_hba.conf names (+esc_hostssl_only, +esc_md5_login).</summary>
    public async Task AddToGroupAsync(TestUser user, string group)
    {
        await using (var connection = await _server.Admin.OpenConnectionAsync().ConfigureAwait(false))
        await using (var exists = new NpgsqlCommand("SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = group });
            if ((long)(await exists.ExecuteScalarAsync().ConfigureAwait(false))! == 0)
            {
                TestEnvironment.NotConfigured($"the PostgreSQL server has no group role {group} (and so no pg_hba.conf line for it)");
            }
        }

        await ExecuteAsync("GRANT %I TO %I", group, user.Name).ConfigureAwait(false);
    }

    /// <summary>Makes every session of <paramref name="user"/> hash new passwords as md5, as an md5-configured server does.</summary>
    public Task UseMd5PasswordEncryptionAsync(TestUser user) =>
        ExecuteAsync("ALTER ROLE %I SET password_encryption = 'md5'", user.Name);

    /// <summary>What pg_authid stores for <paramref name="user"/>: "SCRAM-SHA-256", "md5" or null.</summary>
    public async Task<string?> StoredPasswordKindAsync(TestUser user)
    {
        await using var connection = await _server.Admin.OpenConnectionAsync().ConfigureAwait(false);
        await using var kind = new NpgsqlCommand(
            "SELECT CASE WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'SCRAM-SHA-256' WHEN rolpassword LIKE 'md5%' THEN 'md5' END " +
            "FROM pg_catalog.pg_authid WHERE rolname = $1",
            connection);
        kind.Parameters.Add(new NpgsqlParameter { Value = user.Name });
        return await kind.ExecuteScalarAsync().ConfigureAwait(false) as string;
    }

    public async Task<bool> CanLogInAsync(string user, string password)
    {
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = Database,
            Username = user,
            Password = password,
            Pooling = false,
            SslMode = SslMode.Prefer,
            Timeout = 10,
        };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        try
        {
            await connection.OpenAsync().ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            return false;
        }

        await using var select = new NpgsqlCommand("SELECT 1", connection);
        return (int)(await select.ExecuteScalarAsync().ConfigureAwait(false))! == 1;
    }

    public void DropAtEnd(string name) => _created.Add(name);

    /// <summary>Sets <paramref name="user"/>'s password as the admin, behind the rotator's back.</summary>
    public Task AlterPasswordAsync(string user, string password) =>
        ExecuteAsync("ALTER ROLE %I PASSWORD %L", user, ScramSha256Verifier.Create(password));

    public async Task<int> CountSessionsAsync(params string[] users)
    {
        await using var connection = await _server.Admin.OpenConnectionAsync().ConfigureAwait(false);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE usename = ANY($1)", connection);
        count.Parameters.Add(new NpgsqlParameter { Value = users });
        return (int)(long)(await count.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    public async Task LogMarkerAsync(string marker)
    {
        // A literal, not a parameter: the statement log shows the statement text.
        await ExecuteAsync("SELECT %L AS marker", marker).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _tables.Count - 1; i >= 0; i--)
        {
            await ExecuteAsync("DROP TABLE IF EXISTS public.%I", _tables[i]).ConfigureAwait(false);
        }

        _tables.Clear();
        for (var i = _created.Count - 1; i >= 0; i--)
        {
            await ExecuteAsync("DROP ROLE IF EXISTS %I", _created[i]).ConfigureAwait(false);
        }

        _created.Clear();
    }

    private async Task CreateRoleAsync(string template, TestUser user)
    {
        _created.Add(user.Name);
        await ExecuteAsync(template, user.Name, ScramSha256Verifier.Create(user.Password)).ConfigureAwait(false);
    }

    private async Task<object?> ScalarAsync(string sql, params string[] arguments)
    {
        await using var connection = await _server.Admin.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = argument });
        }

        return await command.ExecuteScalarAsync().ConfigureAwait(false);
    }

    /// <summary>Has the server quote <paramref name="arguments"/> into <paramref name="template"/> with format(), then runs the result.</summary>
    private async Task ExecuteAsync(string template, params string[] arguments)
    {
        await using var connection = await _server.Admin.OpenConnectionAsync().ConfigureAwait(false);
        var placeholders = string.Concat(arguments.Select((_, i) => $", ${i + 2}::text"));
        string statement;
        await using (var format = new NpgsqlCommand($"SELECT format($1::text{placeholders})", connection))
        {
            format.Parameters.Add(new NpgsqlParameter { Value = template });
            foreach (var argument in arguments)
            {
                format.Parameters.Add(new NpgsqlParameter { Value = argument });
            }

            statement = (string)(await format.ExecuteScalarAsync().ConfigureAwait(false))!;
        }

        await using var command = new NpgsqlCommand(statement, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
