using System.Text;
using EscRotators.Adapter.Jwks;
using EscRotators.Tests.Adapter;

namespace EscRotators.UnitTests.Adapter;

public sealed class SigningKeySetTests
{
    [Test]
    public void Only_RSA_signing_keys_with_a_kid_are_kept()
    {
        using var issuer = new TestTokenIssuer("rsa-1");
        var rsa = issuer.PublicJwk().ToJsonString();
        var document = $$"""
            {"keys":[{{rsa}},
              {"kty":"EC","kid":"ec-1","crv":"P-256","x":"AAAA","y":"AAAA"},
              {"kty":"RSA","kid":"enc-1","use":"enc","n":"AQAB","e":"AQAB"},
              {"kty":"RSA","kid":"hs-1","alg":"HS256","n":"AQAB","e":"AQAB"},
              {"kty":"RSA","n":"AQAB","e":"AQAB"}]}
            """;

        var keys = SigningKeySet.Parse(Encoding.UTF8.GetBytes(document));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(keys.Count, Is.EqualTo(1));
            Assert.That(keys.TryGet("rsa-1", out _), Is.True);
        }
    }

    [TestCase("not json")]
    [TestCase("{\"keys\":[]}")]
    [TestCase("{}")]
    public void A_document_without_usable_keys_is_unavailable_not_empty(string document) =>
        Assert.That(() => SigningKeySet.Parse(Encoding.UTF8.GetBytes(document)), Throws.InstanceOf<SigningKeysUnavailableException>());
}
