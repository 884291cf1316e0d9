using System.Text;
using EscRotators.Protocol;
using EscRotators.Rotation;
using EscRotators.Tls;

namespace EscRotators.UnitTests.Validation;

public sealed class RequestValidatorTests
{
    private const string FormA = """
        {"type":"mysql","host":"db","port":3306,"database":"app",
         "managingUser":{"username":"m","password":"mp"},
         "rotateUser":{"username":"user1","password":"old","newPassword":"new"}}
        """;

    private const string FormB = """
        {"type":"postgres","inputs":{
          "database":{"host":"db","port":5432,"database":"app","managingUser":{"username":"m","password":"mp"}},
          "rotateUsers":{"username1":"user1","username2":"user2"}}}
        """;

    // As the composition root registers the engines: only PostgreSQL requires a database.
    private static RotationRequest Validate(string json, TlsSettings? defaults = null)
    {
        var evt = RotationEvent.Read(Encoding.UTF8.GetBytes(json));
        return new RequestValidator(defaults ?? TlsSettings.Default).Validate(evt, requiresDatabase: evt.Type == "postgres");
    }

    private static ConnectorRequest ValidateConnector(string json) => (ConnectorRequest)Validate(json);

    private static FullRotationRequest ValidateFullRotation(string json) => (FullRotationRequest)Validate(json);

    private static string Rejection(string json)
    {
        var ex = Assert.Throws<InvalidRequestException>(() => Validate(json));
        return ex!.Message;
    }

    private static string Edit(string json, string from, string to)
    {
        Assert.That(json, Does.Contain(from), "test setup");
        return json.Replace(from, to, StringComparison.Ordinal);
    }

    [Test]
    public void Form_a_is_accepted_with_its_fields()
    {
        var request = Validate(FormA);

        Assert.That(request, Is.TypeOf<ConnectorRequest>());
        var connector = (ConnectorRequest)request;
        Assert.That(connector.RotateUsername, Is.EqualTo("user1"));
        Assert.That(connector.NewPassword, Is.EqualTo("new"));
        Assert.That(request.Endpoint.Host, Is.EqualTo("db"));
        Assert.That(request.Endpoint.Port, Is.EqualTo(3306));
        Assert.That(request.Endpoint.Database, Is.EqualTo("app"));
        Assert.That(request.Endpoint.ManagingUser.Username, Is.EqualTo("m"));
        Assert.That(request.Endpoint.Tls, Is.EqualTo(TlsSettings.Default));
    }

    [TestCase("\"newPassword\":\"new\"", "\"newPassword\":null")]
    [TestCase("\"newPassword\":\"new\"", "\"newPassword\":\"\"")]
    [TestCase(",\"newPassword\":\"new\"", "")]
    public void Form_a_without_a_new_password_is_refused_with_the_go_message(string from, string to)
    {
        Assert.That(Rejection(Edit(FormA, from, to)), Is.EqualTo("no password provided"));
    }

    [Test]
    public void Form_a_checks_the_new_password_before_anything_else()
    {
        Assert.That(Rejection("""{"type":"mysql"}"""), Is.EqualTo("no password provided"));
    }

    [TestCase("\"host\":\"db\"", "\"host\":\"\"", "host is required")]
    [TestCase("\"host\":\"db\"", "\"host\":\"  \"", "host is required")]
    [TestCase("\"port\":3306", "\"port\":null", "port is required")]
    [TestCase("\"port\":3306", "\"port\":0", "port must be between 1 and 65535")]
    [TestCase("\"port\":3306", "\"port\":65536", "port must be between 1 and 65535")]
    [TestCase("\"port\":3306", "\"port\":-1", "port must be between 1 and 65535")]
    [TestCase("\"username\":\"m\"", "\"username\":\"\"", "managingUser.username is required")]
    [TestCase("\"password\":\"mp\"", "\"password\":null", "managingUser.password is required")]
    [TestCase("\"username\":\"user1\"", "\"username\":\"\"", "rotateUser.username is required")]
    [TestCase("\"username\":\"user1\"", "\"username\":\"a\\u0000b\"", "rotateUser.username must not contain NUL characters")]
    [TestCase("\"newPassword\":\"new\"", "\"newPassword\":\"n\\u0000w\"", "rotateUser.newPassword must not contain NUL characters")]
    public void Form_a_field_errors_name_the_field(string from, string to, string message)
    {
        Assert.That(Rejection(Edit(FormA, from, to)), Is.EqualTo(message));
    }

    [Test]
    public void Form_b_is_accepted_with_its_fields()
    {
        var request = ValidateFullRotation(FormB);

        Assert.That(request.Username1, Is.EqualTo("user1"));
        Assert.That(request.Username2, Is.EqualTo("user2"));
        Assert.That(request.Current, Is.Null);
        Assert.That(request.Previous, Is.Null);
        Assert.That(request.PasswordPolicy.Length, Is.EqualTo(32));
    }

    [Test]
    public void Form_b_state_is_read_into_current_and_previous_as_sent_and_a_state_without_current_has_none()
    {
        var both = ValidateFullRotation(Edit(FormB, "}}}", """}},"state":{"current":{"username":"user1","password":"p1"},"previous":{"username":"user2"}}}"""));
        var withoutCurrent = ValidateFullRotation(Edit(FormB, "}}}", """}},"state":{"current":null,"previous":{"username":"user2","password":"p2"}}}"""));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((both.Current?.Username, both.Current?.Password), Is.EqualTo(("user1", "p1")));
            Assert.That((both.Previous?.Username, both.Previous?.Password), Is.EqualTo(("user2", (string?)null)));
            Assert.That(withoutCurrent.Current, Is.Null);
            Assert.That(withoutCurrent.Previous?.Password, Is.EqualTo("p2"));
        }
    }

    [TestCase("\"host\":\"db\"", "\"host\":null", "inputs.database.host is required")]
    [TestCase("\"port\":5432", "\"port\":70000", "inputs.database.port must be between 1 and 65535")]
    [TestCase("\"database\":\"app\"", "\"database\":null", "inputs.database.database is required")]
    [TestCase("\"managingUser\":{\"username\":\"m\",\"password\":\"mp\"}", "\"managingUser\":null", "inputs.database.managingUser.username is required")]
    [TestCase("\"password\":\"mp\"", "\"password\":\"\"", "inputs.database.managingUser.password is required")]
    [TestCase("\"username1\":\"user1\"", "\"username1\":\"\"", "inputs.rotateUsers.username1 is required")]
    [TestCase("\"username2\":\"user2\"", "\"username2\":null", "inputs.rotateUsers.username2 is required")]
    [TestCase("\"username2\":\"user2\"", "\"username2\":\"user1\"", "inputs.rotateUsers.username1 and inputs.rotateUsers.username2 must name two different users")]
    public void Form_b_field_errors_name_the_field(string from, string to, string message)
    {
        Assert.That(Rejection(Edit(FormB, from, to)), Is.EqualTo(message));
    }

    [Test]
    public void Form_b_without_database_or_rotate_users_names_them()
    {
        Assert.That(Rejection("""{"type":"mysql","inputs":null}"""), Is.EqualTo("inputs.database is required"));
        Assert.That(Rejection("""{"type":"mysql","inputs":{}}"""), Is.EqualTo("inputs.database is required"));
        Assert.That(
            Rejection("""{"type":"mysql","inputs":{"database":{"host":"h","port":1,"database":"d","managingUser":{"username":"m","password":"p"}}}}"""),
            Is.EqualTo("inputs.rotateUsers is required"));
    }

    [TestCase("\"database\":\"\"")]
    [TestCase("\"database\":null")]
    [TestCase("\"database\":\"  \"")]
    public void Mysql_accepts_an_empty_or_missing_database_in_both_forms(string database)
    {
        var formA = ValidateConnector(Edit(FormA, "\"database\":\"app\"", database));
        var formB = ValidateFullRotation(Edit(Edit(FormB, "\"postgres\"", "\"mysql\""), "\"database\":\"app\"", database));
        var absent = ValidateConnector(Edit(FormA, "\"database\":\"app\",", ""));

        Assert.That(formA.Endpoint.Database, Is.Empty);
        Assert.That(formB.Endpoint.Database, Is.Empty);
        Assert.That(absent.Endpoint.Database, Is.Empty);
    }

    [TestCase("\"database\":\"\"")]
    [TestCase("\"database\":null")]
    public void Postgres_requires_the_database_in_both_forms(string database)
    {
        var formA = Edit(Edit(FormA, "\"mysql\"", "\"postgres\""), "\"database\":\"app\"", database);
        var formB = Edit(FormB, "\"database\":\"app\"", database);

        Assert.That(Rejection(formA), Is.EqualTo("database is required"));
        Assert.That(Rejection(formB), Is.EqualTo("inputs.database.database is required"));
    }

    [TestCase("localhost:", "host must not include a port; put the port in the port field")]
    [TestCase("db:abc", "host must not include a port; put the port in the port field")]
    [TestCase("127.0.0.1:56432", "host must not include a port; put the port in the port field")]
    [TestCase("a,b", "host must name one host, not a list")]
    [TestCase("127.0.0.1,127.0.0.2", "host must name one host, not a list")]
    [TestCase("  ,  ", "host must name one host, not a list")]
    [TestCase("db host", "host must be one host name or IP address (letters, digits, '.', '-', '_')")]
    [TestCase("/var/run/postgresql", "host must be one host name or IP address (letters, digits, '.', '-', '_')")]
    public void Host_must_be_exactly_one_host_without_a_port(string host, string message)
    {
        var hostJson = System.Text.Json.JsonSerializer.Serialize(host);
        Assert.That(Rejection(Edit(FormA, "\"host\":\"db\"", $"\"host\":{hostJson}")), Is.EqualTo(message));
        Assert.That(Rejection(Edit(FormB, "\"host\":\"db\"", $"\"host\":{hostJson}")), Is.EqualTo("inputs.database." + message));
    }

    [TestCase("db.internal")]
    [TestCase("127.0.0.1")]
    [TestCase("::1")]
    [TestCase("fe80::1")]
    [TestCase("my_db-1.example.com")]
    [TestCase(" localhost ")]
    public void One_host_name_or_address_is_accepted(string host)
    {
        var hostJson = System.Text.Json.JsonSerializer.Serialize(host);
        Assert.That(Validate(Edit(FormA, "\"host\":\"db\"", $"\"host\":{hostJson}")).Endpoint.Host, Is.EqualTo(host.Trim()));
    }

    [Test]
    public void User_names_that_differ_only_in_case_are_two_users()
    {
        Assert.DoesNotThrow(() => Validate(Edit(FormB, "\"username2\":\"user2\"", "\"username2\":\"USER1\"")));
    }

    [TestCase(16)]
    [TestCase(128)]
    [TestCase(40)]
    public void Password_policy_length_within_bounds_is_kept(int length)
    {
        var json = Edit(FormB, "\"rotateUsers\"", $"\"passwordPolicy\":{{\"length\":{length},\"symbols\":\"!#!\"}},\"rotateUsers\"");
        var policy = ValidateFullRotation(json).PasswordPolicy;

        Assert.That(policy.Length, Is.EqualTo(length));
        Assert.That(policy.Symbols, Is.EqualTo("!#"));
    }

    [TestCase(15)]
    [TestCase(129)]
    [TestCase(0)]
    public void Password_policy_length_out_of_bounds_is_refused(int length)
    {
        var json = Edit(FormB, "\"rotateUsers\"", $"\"passwordPolicy\":{{\"length\":{length}}},\"rotateUsers\"");
        Assert.That(Rejection(json), Is.EqualTo("inputs.passwordPolicy.length must be between 16 and 128"));
    }

    [TestCase("a")]
    [TestCase("5")]
    [TestCase(" ")]
    [TestCase("é")]
    [TestCase("\\t")]
    public void Password_policy_symbols_must_be_ascii_punctuation(string symbols)
    {
        var json = Edit(FormB, "\"rotateUsers\"", $"\"passwordPolicy\":{{\"symbols\":\"{symbols}\"}},\"rotateUsers\"");
        Assert.That(Rejection(json), Does.StartWith("inputs.passwordPolicy.symbols may only hold printable ASCII punctuation"));
    }

    [Test]
    public void Tls_mode_is_read_from_the_request()
    {
        var json = Edit(FormA, "\"host\"", "\"tls\":{\"mode\":\"VERIFY-FULL\"},\"host\"");
        Assert.That(Validate(json).Endpoint.Tls.Mode, Is.EqualTo(TlsMode.VerifyFull));
    }

    [Test]
    public void Tls_object_in_form_b_lives_under_inputs_database()
    {
        var json = Edit(FormB, "\"host\":\"db\"", "\"host\":\"db\",\"tls\":{\"mode\":\"require\"}");
        Assert.That(Validate(json).Endpoint.Tls.Mode, Is.EqualTo(TlsMode.Require));
    }

    [Test]
    public void Unknown_tls_mode_is_refused_with_the_accepted_values()
    {
        var json = Edit(FormB, "\"host\":\"db\"", "\"host\":\"db\",\"tls\":{\"mode\":\"maybe\"}");
        Assert.That(
            Rejection(json),
            Is.EqualTo("inputs.database.tls.mode must be one of: disable, prefer, require, verify-ca, verify-full"));
    }

    [Test]
    public void Ca_bundle_without_a_certificate_is_refused()
    {
        var json = Edit(FormA, "\"host\"", "\"tls\":{\"mode\":\"verify-ca\",\"caBundle\":\"not a pem\"},\"host\"");
        Assert.That(Rejection(json), Is.EqualTo("tls.caBundle holds no PEM certificate"));
    }

    [Test]
    public void Request_without_tls_uses_the_environment_default()
    {
        var defaults = new TlsSettings(TlsMode.Require, null);
        Assert.That(Validate(FormA, defaults).Endpoint.Tls, Is.SameAs(defaults));
    }

    [Test]
    public void Request_tls_without_mode_keeps_the_default_mode()
    {
        var json = Edit(FormA, "\"host\"", "\"tls\":{},\"host\"");
        Assert.That(Validate(json, new TlsSettings(TlsMode.VerifyCA, null)).Endpoint.Tls.Mode, Is.EqualTo(TlsMode.VerifyCA));
    }

    [Test]
    public void Validation_messages_never_contain_secrets()
    {
        var json = Edit(FormA, "\"port\":3306", "\"port\":0");
        var message = Rejection(json);

        Assert.That(message, Does.Not.Contain("mp").And.Not.Contain("new").And.Not.Contain("old"));
    }
}

public sealed class RequestValidatorEdgeTests
{
    private const string FormA = """
        {"type":"mysql","host":"db","port":3306,"database":"app",
         "managingUser":{"username":"m","password":"mp"},
         "rotateUser":{"username":"user1","newPassword":"new"}}
        """;

    private const string FormB = """
        {"type":"postgres","inputs":{
          "database":{"host":"db","port":5432,"database":"app","managingUser":{"username":"m","password":"mp"}},
          "rotateUsers":{"username1":"user1","username2":"user2"}}}
        """;

    private static readonly RequestValidator Validator = new(TlsSettings.Default);

    private static RotationRequest Validate(string json) => Validator.Validate(RotationEvent.Read(Encoding.UTF8.GetBytes(json)), requiresDatabase: false);

    private static string Rejection(string json) => Assert.Throws<InvalidRequestException>(() => Validate(json))!.Message;

    [Test]
    public void Port_65535_is_accepted()
    {
        Assert.That(Validate(FormA.Replace("3306", "65535", StringComparison.Ordinal)).Endpoint.Port, Is.EqualTo(65535));
    }

    [Test]
    public void Nul_in_the_database_name_or_the_managing_password_is_refused_by_field()
    {
        Assert.That(Rejection(FormA.Replace("\"app\"", "\"a\\u0000pp\"", StringComparison.Ordinal)), Is.EqualTo("database must not contain NUL characters"));
        Assert.That(Rejection(FormA.Replace("\"mp\"", "\"m\\u0000p\"", StringComparison.Ordinal)), Is.EqualTo("managingUser.password must not contain NUL characters"));
        Assert.That(
            Rejection(FormB.Replace("\"mp\"", "\"m\\u0000p\"", StringComparison.Ordinal)),
            Is.EqualTo("inputs.database.managingUser.password must not contain NUL characters"));
    }

    [Test]
    public void A_policy_without_symbols_gives_alphanumerics_and_tilde_is_a_symbol()
    {
        static PasswordPolicy Policy(string policy) =>
            ((FullRotationRequest)Validate(FormB.Replace("\"rotateUsers\"", $"\"passwordPolicy\":{policy},\"rotateUsers\"", StringComparison.Ordinal))).PasswordPolicy;

        Assert.That(Policy("{\"length\":20}").Symbols, Is.Empty);
        Assert.That(Policy("{\"symbols\":\"!~\"}").Symbols, Is.EqualTo("!~"));
    }

    [Test]
    public void A_missing_event_is_a_bug_not_an_invalid_request()
    {
        Assert.Throws<ArgumentNullException>(() => Validator.Validate(null!, requiresDatabase: false));
    }

    [Test]
    public void Requests_cannot_be_built_without_their_users_passwords_or_endpoint()
    {
        var endpoint = Validate(FormA).Endpoint;

        Assert.Throws<ArgumentNullException>(() => new ConnectorRequest(null!, "user1", "new"));
        Assert.Throws<ArgumentException>(() => new ConnectorRequest(endpoint, "", "new"));
        Assert.Throws<ArgumentException>(() => new ConnectorRequest(endpoint, "user1", ""));
        Assert.Throws<ArgumentException>(() => new FullRotationRequest(endpoint, "", "user2", null, null, PasswordPolicy.Default));
        Assert.Throws<ArgumentException>(() => new FullRotationRequest(endpoint, "user1", "", null, null, PasswordPolicy.Default));
        Assert.Throws<ArgumentNullException>(() => new FullRotationRequest(endpoint, "user1", "user2", null, null, null!));
    }

    [Test]
    public void Requests_print_their_endpoint_and_users_and_never_a_password()
    {
        var connector = Validate(FormA);
        var full = Validate(FormB);

        Assert.That(connector.ToString(), Is.EqualTo("ConnectorRequest { db:3306/app, user1 }"));
        Assert.That(full.ToString(), Is.EqualTo("FullRotationRequest { db:5432/app, user1, user2 }"));
    }
}
