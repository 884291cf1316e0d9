using EscRotators.MySql;

namespace EscRotators.UnitTests.MySql;

/// <summary>
/// SHOW GRANTS lines as MariaDB 10.11 and MySQL 8 print them, rewritten for another account: only the server-quoted
/// grantee changes, names that look like syntax stay names, and the account-level tail never carries a password
/// into a GRANT. Against the real server: the Secrets Manager alternate-user integration tests.
/// </summary>
public sealed class GrantCopyTests
{
    private const string From = "app";

    [Test]
    public void A_database_named_with_TO_and_the_grantee_itself_stays_verbatim_and_only_the_trailing_grantee_changes()
    {
        var line = "GRANT SELECT, SELECT (`id`), UPDATE (`note`) ON `x TO ``app``@``%`` TO ``b```.`t2` TO `app`@`%`";

        var copy = GrantCopy.Rewrite([line], From);

        Assert.That(copy.Statements, Is.EqualTo(new[]
        {
            "GRANT SELECT, SELECT (`id`), UPDATE (`note`) ON `x TO ``app``@``%`` TO ``b```.`t2` TO @grantee@'%'",
        }));
    }

    [Test]
    public void The_account_line_is_left_to_the_account_statement_and_its_limits_move_there_without_password_or_TLS_clause()
    {
        var line = "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' " +
            "REQUIRE SUBJECT '/CN=with WITH inside' AND ISSUER '/CN=ca' WITH MAX_USER_CONNECTIONS 3 MAX_STATEMENT_TIME 1.500000";

        var copy = GrantCopy.Rewrite([line], From);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(copy.Statements, Is.Empty, "GRANT USAGE ON *.* adds nothing CREATE USER or ALTER USER does not");
            Assert.That(copy.AccountLimits, Is.EqualTo(new[] { "MAX_USER_CONNECTIONS 3", "MAX_STATEMENT_TIME 1.500000" }));
        }
    }

    [Test]
    public void Grant_and_admin_options_are_kept_and_a_default_role_is_set_for_the_new_account()
    {
        string[] lines =
        [
            "GRANT `reader` TO `app`@`%` WITH ADMIN OPTION",
            "GRANT SELECT, INSERT ON `shop`.* TO `app`@`%` WITH GRANT OPTION",
            "SET DEFAULT ROLE `reader` FOR `app`@`%`",
        ];

        var copy = GrantCopy.Rewrite(lines, From);

        Assert.That(copy.Statements, Is.EqualTo(new[]
        {
            "GRANT `reader` TO @grantee@'%' WITH ADMIN OPTION",
            "GRANT SELECT, INSERT ON `shop`.* TO @grantee@'%' WITH GRANT OPTION",
            "SET DEFAULT ROLE `reader` FOR @grantee@'%'",
        }));
    }

    [Test]
    public void A_MySQL_8_role_named_with_its_host_and_a_proxied_account_stay_as_printed()
    {
        string[] lines =
        [
            "GRANT `reader`@`%` TO `app`@`%`",
            "GRANT PROXY ON 'app'@'%' TO 'app'@'%'",
        ];

        var copy = GrantCopy.Rewrite(lines, From);

        Assert.That(copy.Statements, Is.EqualTo(new[]
        {
            "GRANT `reader`@`%` TO @grantee@'%'",
            "GRANT PROXY ON 'app'@'%' TO @grantee@'%'",
        }));
    }

    [Test]
    public void A_grantee_with_quotes_and_backticks_in_its_name_is_matched_by_its_unquoted_value()
    {
        var copy = GrantCopy.Rewrite(["GRANT SELECT ON `db`.* TO `o'``b`@`%`"], "o'`b");

        Assert.That(copy.Statements, Is.EqualTo(new[] { "GRANT SELECT ON `db`.* TO @grantee@'%'" }));
    }

    [TestCase("GRANT SELECT ON `db`.* TO `other`@`%`", "does not end in TO")]
    [TestCase("GRANT SELECT ON `db`.* TO `app`@`localhost`", "does not end in TO")]
    [TestCase("GRANT SELECT ON ? TO `app`@`%`", "unexpected '?'")]
    [TestCase("GRANT SELECT ON `db`.*; DROP USER x TO `app`@`%`", "unexpected ';'")]
    [TestCase("GRANT SELECT ON `db`.* TO `app`@`%` ENABLE", "unexpected text")]
    [TestCase("GRANT SELECT ON `db`.* TO `app`@`%` WITH SOMETHING 1", "unexpected WITH option")]
    [TestCase("REVOKE SELECT ON `db`.* FROM `app`@`%`", "neither a GRANT")]
    [TestCase("GRANT SELECT ON `db.* TO `app`@`%`", "unterminated")]
    [TestCase("GRANT SELECT ON \"a\\\"b\".* TO \"app\"@\"%\"", "ANSI_QUOTES")]
    public void A_line_not_in_the_form_the_server_prints_is_refused_by_number(string line, string reason)
    {
        var refused = Assert.Throws<FormatException>(() => GrantCopy.Rewrite(["GRANT USAGE ON *.* TO `app`@`%`", line], From));

        Assert.That(refused!.Message, Does.StartWith("line 2 of SHOW GRANTS").And.Contain(reason));
    }

    [Test]
    public void A_refused_line_is_named_by_number_only_since_it_may_hold_the_password_hash()
    {
        var line = "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19' WITH ENABLE";

        var refused = Assert.Throws<FormatException>(() => GrantCopy.Rewrite([line], From));

        Assert.That(refused!.Message, Does.StartWith("line 1 of SHOW GRANTS").And.Not.Contain("2470C0C0"));
    }
}
