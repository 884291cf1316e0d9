using System.Text;
using EscRotators.IntegrationTests.Infrastructure;

namespace EscRotators.IntegrationTests;

/// <summary>
/// User names and passwords of any content: only the named user changes (a decoy whose name differs by one
/// character keeps its password), and every secret survives quoting intact.
/// </summary>
[TestFixture]
public sealed class HostileInputTests
{
    /// <summary>A name fragment and its decoy: one character changed, in the way a quoting or folding bug would confuse them.</summary>
    private static readonly (string Label, string Fragment, string Decoy)[] Fragments =
    [
        ("single-quote", "'", "''"),
        ("double-quote", "\"", "\"\""),
        ("backslash", "\\", "\\\\"),
        ("semicolon", ";", ":"),
        ("space", "a b", "ab"),
        ("sql-comment", "--", "-"),
        ("percent", "%", "x"),
        ("underscore", "_", "x"),
        ("umlaut", "ü", "u"),
        ("cjk", "名", "?"),
        ("upper-case", "A", "a"),
        ("injection", "'; DROP USER x; --", "'; DROP USER x; -"),
        ("everything", "ü ser'\"\\;-- %_名", "ü ser'\"\\;-- %_?"),
    ];

    public static IEnumerable<TestCaseData> HostileNames() =>
        from engine in new[] { DbEngine.Postgres, DbEngine.MariaDb }
        from fragment in Fragments
        select new TestCaseData(engine, fragment.Fragment, fragment.Decoy)
            .SetArgDisplayNames(engine.ToString(), fragment.Label)
            .SetCategory(engine.ToString());

    [TestCaseSource(nameof(HostileNames))]
    public async Task Only_the_named_user_changes_whatever_its_name_holds(DbEngine engine, string fragment, string decoyFragment)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var prefix = Secrets.UniqueName("-");
        var user = await db.CreateUserAsync(prefix + fragment + "z");
        var decoy = await db.CreateUserAsync(prefix + decoyFragment + "z");
        var manager = await db.CreateManagingUserAsync([user, decoy]);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the named user logs in with the new password");
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.False, "the named user's old password is gone");
            Assert.That(await db.CanLogInAsync(decoy.Name, decoy.Password), Is.True, "the decoy keeps its password");
            Assert.That(await db.CanLogInAsync(decoy.Name, newPassword), Is.False, "the decoy did not get the new password");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Form_B_alternates_between_users_with_hostile_names(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var prefix = Secrets.UniqueName(" ü ser'\"\\;-- %_名");
        var user1 = await db.CreateUserAsync(prefix + "1");
        var user2 = await db.CreateUserAsync(prefix + "2");
        var decoy = await db.CreateUserAsync(prefix + "?");
        var manager = await db.CreateManagingUserAsync([user1, user2, decoy]);

        var first = await InProcessRotator.RunAsync(EventJson.FormB(db, manager, user1.Name, user2.Name));
        Expect.Ok(first);
        var second = await InProcessRotator.RunAsync(EventJson.FormB(db, manager, user1.Name, user2.Name, first.State!.DeepClone()));
        Expect.Ok(second);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((string?)second.Current?["username"], Is.EqualTo(user2.Name));
            Assert.That((string?)second.Previous?["username"], Is.EqualTo(user1.Name));
            Assert.That(await db.CanLogInAsync(user1.Name, (string)first.Current!["password"]!), Is.True);
            Assert.That(await db.CanLogInAsync(user2.Name, (string)second.Current!["password"]!), Is.True);
            Assert.That(await db.CanLogInAsync(decoy.Name, decoy.Password), Is.True, "the decoy keeps its password");
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Passwords_and_a_managing_user_full_of_quotes_and_non_ascii_work(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync(password: Secrets.Hostile());
        var other = await db.CreateUserAsync(password: Secrets.Hostile());
        var manager = await db.CreateManagingUserAsync([user, other], Secrets.UniqueName("_mgr ü'\"\\;@:/#?%"), Secrets.Hostile());
        var newPassword = Secrets.Hostile();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True, "the new password works byte for byte");
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.False, "the old password is gone");
            Assert.That(await db.CanLogInAsync(other.Name, other.Password), Is.True, "the other user is untouched");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Hostile_passwords_work_through_the_bootstrap_process(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var user = await db.CreateUserAsync(Secrets.UniqueName("_ü'\"\\;名"), Secrets.Hostile());
        var manager = await db.CreateManagingUserAsync([user], password: Secrets.Hostile());
        var newPassword = Secrets.Hostile();

        var result = await BootstrapProcess.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_refuses_a_password_that_SASLprep_would_change()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = "ligature-\uFB01-" + Secrets.Plain(); // "ﬁ": NFKC turns it into "fi"

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("refuses"));
            Assert.That(await db.CanLogInAsync(user.Name, user.Password), Is.True, "the old password still works");
        }

        Expect.NoSecrets(result, newPassword, user.Password, manager.Password);
    }

    [Test]
    [Category("MySql")]
    public async Task MySql_accepts_a_password_with_compatibility_characters()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var (user, manager) = await RotationScenario.OneUserAsync(db);
        var newPassword = "ligature-\uFB01-" + Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_rotates_a_role_whose_name_is_exactly_63_bytes()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);
        var name = NameOfBytes(63);
        var user = await db.CreateUserAsync(name);
        var manager = await db.CreateManagingUserAsync([user]);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [Test]
    [Category("Postgres")]
    public async Task Postgres_refuses_a_64_byte_role_name_instead_of_truncating_it_onto_another_role()
    {
        await using var db = await TestDatabases.OpenAsync(DbEngine.Postgres);

        // The server would truncate the 64-byte name to 63 bytes: exactly this role's name.
        var truncated = await db.CreateUserAsync(NameOfBytes(63));
        var manager = await db.CreateManagingUserAsync([truncated]);
        var newPassword = Secrets.Plain();
        var tooLong = truncated.Name + "x";

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, tooLong, "old", newPassword));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("63 bytes"));
            Assert.That(await db.CanLogInAsync(truncated.Name, truncated.Password), Is.True, "the 63-byte role keeps its password");
            Assert.That(await db.CanLogInAsync(truncated.Name, newPassword), Is.False, "the 63-byte role did not get the new password");
        }
    }

    [Test]
    [Category("MySql")]
    public async Task MySql_rotates_a_user_whose_name_has_the_maximum_length()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var user = await db.CreateUserAsync(NameOfCharacters(db.MaxUserNameLength));
        var manager = await db.CreateManagingUserAsync([user]);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, user.Name, user.Password, newPassword));

        Expect.Ok(result);
        Assert.That(await db.CanLogInAsync(user.Name, newPassword), Is.True);
    }

    [Test]
    [Category("MySql")]
    public async Task MySql_refuses_a_user_name_one_character_too_long_and_says_how_long_it_may_be()
    {
        await using var db = (MariaDbTestDatabase)await TestDatabases.OpenAsync(DbEngine.MariaDb);
        var longest = await db.CreateUserAsync(NameOfCharacters(db.MaxUserNameLength));
        var manager = await db.CreateManagingUserAsync([longest]);
        var newPassword = Secrets.Plain();

        var result = await InProcessRotator.RunAsync(EventJson.FormA(db, manager, longest.Name + "x", "old", newPassword));

        Expect.BadRequest(result);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Message, Does.Contain("too long"));
            Assert.That(result.Message, Does.Contain(db.MaxUserNameLength.ToString(System.Globalization.CultureInfo.InvariantCulture)), "names the server's real limit");
            Assert.That(await db.CanLogInAsync(longest.Name, longest.Password), Is.True, "the longest user keeps its password");
        }

        Expect.NoSecrets(result, newPassword, manager.Password);
    }

    /// <summary>A unique name of exactly <paramref name="bytes"/> UTF-8 bytes, ending in a two-byte character.</summary>
    private static string NameOfBytes(int bytes)
    {
        var name = Secrets.UniqueName("_");
        name += new string('n', bytes - Encoding.UTF8.GetByteCount(name) - 2) + "ü";
        Assert.That(Encoding.UTF8.GetByteCount(name), Is.EqualTo(bytes));
        return name;
    }

    /// <summary>A unique name of exactly <paramref name="characters"/> characters, ending in a non-ASCII one.</summary>
    private static string NameOfCharacters(int characters)
    {
        var name = Secrets.UniqueName("_");
        return name + new string('n', characters - name.Length - 1) + "名";
    }
}
