using System.Text;
using EscRotators.Protocol;
using EscRotators.Rotation;

namespace EscRotators.UnitTests.Protocol;

public sealed class RotationEventReadTests
{
    private static EscRotators.Protocol.RotationEvent Read(string json) => RotationEvent.Read(Encoding.UTF8.GetBytes(json));

    [Test]
    public void Field_names_match_case_insensitively_like_go()
    {
        var evt = Read("""{"TYPE":"mysql","Host":"db","PORT":3306,"managinguser":{"USERNAME":"m","Password":"p"},"RotateUser":{"newpassword":"n"}}""");

        Assert.That(evt.Type, Is.EqualTo("mysql"));
        Assert.That(evt.Host, Is.EqualTo("db"));
        Assert.That(evt.Port, Is.EqualTo(3306));
        Assert.That(evt.ManagingUser!.Username, Is.EqualTo("m"));
        Assert.That(evt.RotateUser!.NewPassword, Is.EqualTo("n"));
    }

    [Test]
    public void Unknown_fields_are_ignored()
    {
        var evt = Read("""{"type":"postgres","somethingNew":{"a":[1,2,{"b":null}]},"host":"h","extra":true}""");

        Assert.That(evt.Host, Is.EqualTo("h"));
    }

    [Test]
    public void Presence_of_inputs_selects_form_b_even_when_null()
    {
        Assert.That(Read("""{"type":"mysql","inputs":null}""").HasInputs, Is.True);
        Assert.That(Read("""{"type":"mysql","inputs":{}}""").HasInputs, Is.True);
        Assert.That(Read("""{"type":"mysql","host":"h"}""").HasInputs, Is.False);
    }

    [Test]
    public void Port_given_as_a_numeric_string_is_accepted()
    {
        Assert.That(Read("""{"port":"5432"}""").Port, Is.EqualTo(5432));
    }

    [TestCase("")]
    [TestCase("{")]
    [TestCase("[1,2]")]
    [TestCase("\"text\"")]
    [TestCase("{\"type\":\"mysql\",}")]
    [TestCase("{\"type\":'mysql'}")]
    public void Malformed_json_is_an_invalid_request(string json)
    {
        var ex = Assert.Throws<InvalidRequestException>(() => Read(json));
        Assert.That(ex!.Message, Does.StartWith("malformed request"));
    }

    [Test]
    public void Malformed_json_points_to_the_documented_protocol()
    {
        var ex = Assert.Throws<InvalidRequestException>(() => Read("{"));

        Assert.That(ex!.Message, Does.Contain("see docs/protocol.md").And.Not.Contain("PROTOCOL"));
    }

    [Test]
    public void Json_null_is_an_invalid_request_not_a_crash()
    {
        var ex = Assert.Throws<InvalidRequestException>(() => Read("null"));
        Assert.That(ex!.Message, Does.Contain("JSON object"));
    }

    [Test]
    public void Wrong_field_type_names_the_field_path()
    {
        var ex = Assert.Throws<InvalidRequestException>(() => Read("""{"type":"mysql","port":"abc"}"""));
        Assert.That(ex!.Message, Does.Contain("$.port"));
    }

    [Test]
    public void Malformed_json_message_does_not_quote_the_input()
    {
        // An unquoted password is a syntax error; System.Text.Json's own message would quote its first character.
        var ex = Assert.Throws<InvalidRequestException>(() => Read("""{"managingUser":{"password":Zsecret}}"""));
        Assert.That(ex!.Message, Does.Not.Contain("Z"));
        Assert.That(ex.Message, Does.Not.Contain("secret"));
    }

    [Test]
    public void Invalid_utf8_is_an_invalid_request()
    {
        byte[] payload = [.. "{\"type\":\""u8, 0xC3, 0x28, .. "\"}"u8];
        Assert.Throws<InvalidRequestException>(() => RotationEvent.Read(payload));
    }

    [Test]
    public void Deep_nesting_is_an_invalid_request()
    {
        var json = "{\"x\":" + new string('[', 500) + new string(']', 500) + "}";
        Assert.Throws<InvalidRequestException>(() => Read(json));
    }
}
