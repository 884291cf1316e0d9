using EscRotators.Engines;
using EscRotators.Rotation;
using EscRotators.Tls;

namespace EscRotators.UnitTests.Rotation;

/// <summary>The typed request and result: what they refuse, and string forms that never hold a password.</summary>
public sealed class RotationRequestTests
{
    private static readonly DatabaseEndpoint Endpoint = new(
        "db", 3306, "app", new Credential("m", "managing-secret"), new TlsSettings(TlsMode.Prefer, null), TimeSpan.FromSeconds(5));

    [Test]
    public void A_request_without_an_endpoint_a_user_or_a_password_is_refused_by_name()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new ConnectorRequest(null!, "u", "p"))?.ParamName, Is.EqualTo("endpoint"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new ConnectorRequest(Endpoint, "", "p"))?.ParamName, Is.EqualTo("rotateUsername"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new ConnectorRequest(Endpoint, "u", ""))?.ParamName, Is.EqualTo("newPassword"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new FullRotationRequest(Endpoint, "", "b", null, null, PasswordPolicy.Default))?.ParamName, Is.EqualTo("username1"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new FullRotationRequest(Endpoint, "a", "", null, null, PasswordPolicy.Default))?.ParamName, Is.EqualTo("username2"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new FullRotationRequest(Endpoint, "a", "b", null, null, null!))?.ParamName, Is.EqualTo("passwordPolicy"));
    }

    [Test]
    public void A_result_without_a_state_or_a_message_is_refused_by_name()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => RotationResult.Alternated(null!))?.ParamName, Is.EqualTo("state"));
        Assert.That(Assert.Throws<ArgumentException>(() => RotationResult.Rejected(""))?.ParamName, Is.EqualTo("message"));
    }

    [Test]
    public void String_forms_name_the_users_and_never_a_password()
    {
        var formA = new ConnectorRequest(Endpoint, "user1", "new-secret");
        var current = new StoredCredential("user1", "current-secret");
        var formB = new FullRotationRequest(Endpoint, "user1", "user2", current, new StoredCredential("user2", "previous-secret"), PasswordPolicy.Default);
        var alternated = RotationResult.Alternated(new RotationState(new Credential("user2", "generated-secret"), current));
        string[] forms = [formA.ToString(), formB.ToString(), current.ToString(), alternated.ToString(), RotationResult.Rejected("no").ToString()];

        Assert.That(formA.ToString(), Does.StartWith("ConnectorRequest { ").And.EndWith(", user1 }"));
        Assert.That(formB.ToString(), Does.StartWith("FullRotationRequest { ").And.EndWith(", user1, user2 }"));
        Assert.That(current.ToString(), Is.EqualTo("user1"));
        Assert.That(new StoredCredential(null, "x").ToString(), Is.Empty);
        Assert.That(alternated.ToString(), Does.StartWith("RotationResult { ok, "));
        Assert.That(RotationResult.Rejected("no").ToString(), Is.EqualTo("RotationResult { rejected }"));
        Assert.That(forms, Has.None.Contains("secret"));
    }
}
