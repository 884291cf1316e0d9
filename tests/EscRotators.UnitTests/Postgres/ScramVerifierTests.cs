using System.Text;
using EscRotators.Postgres.Scram;

namespace EscRotators.UnitTests.Postgres;

public sealed class ScramVerifierTests
{
    private static readonly byte[] Salt = [.. Enumerable.Range(0, 16).Select(i => (byte)i)];

    // Expected values computed independently with Python's hashlib/hmac (PBKDF2-HMAC-SHA-256, RFC 5802 keys).
    [TestCase("pencil", "zHCdol2044/ZyWzPLi7oxApCkamKw9Z+E4U/QApd/5Y=:dd5peBOitVnLNFu7VmwP+HiDaaw4OUCv396eVCWhYiE=")]
    [TestCase("pässwörd", "HV4TtNKIt8oOQWZCIedFYDVMOGn3/uurWVfN15VjjP4=:bGoGbn5l5XEF6vc5q836UvsaNZ/n1s4zNZ+A5nNQQv8=")]
    public void Verifier_matches_postgresql_format_and_keys(string password, string keys)
    {
        Assert.That(
            ScramVerifier.Create(password, 4096, Salt),
            Is.EqualTo("SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$" + keys));
    }

    [Test]
    public void Non_ascii_space_is_mapped_to_space_before_hashing()
    {
        Assert.That(ScramVerifier.Create("a\u00A0b", 4096, Salt), Is.EqualTo(ScramVerifier.Create("a b", 4096, Salt)));
        Assert.That(ScramVerifier.Create("a\u00A0b", 4096, Salt), Does.EndWith("$2rk8ozQF6mFul4o/eBQJGFZYT30xZfbvIPbBLAWLciE=:pSG3jifpoVWrie8UI3R+dT6wAl5kSJ99Eq0WJFwgetU="));
    }

    [Test]
    public void Characters_mapped_to_nothing_are_removed_before_hashing()
    {
        Assert.That(ScramVerifier.Create("a\u00ADb", 4096, Salt), Does.EndWith("$NiwIQHRpuRVwYEbwzedfZjUCLCcRYS6KjsLGaF0dCxE=:J1mfqbph4b+Rqg8KqaJGO8GbuvtOAt9KUMv7hVGL8lM="));
    }

    [Test]
    public void Fresh_verifiers_use_a_random_16_byte_salt()
    {
        var a = ScramVerifier.Create("same")!;
        var b = ScramVerifier.Create("same")!;

        Assert.That(a, Is.Not.EqualTo(b));
        var salt = a.Split('$')[1].Split(':')[1];
        Assert.That(Convert.FromBase64String(salt), Has.Length.EqualTo(16));
        Assert.That(a, Does.Match(@"^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$"));
    }

    [TestCase("ﬁsh")]
    [TestCase("ｆｕｌｌ")]
    [TestCase("e\u0301")]
    public void Passwords_needing_nfkc_are_refused(string password)
    {
        Assert.That(ScramVerifier.Create(password), Is.Null);
    }

    [Test]
    public void Ascii_passwords_are_hashed_as_is_even_with_control_characters()
    {
        Assert.That(SaslPrep.TryPrepare("a\u0007b'\"\\", out var bytes), Is.True);
        Assert.That(bytes, Is.EqualTo(Encoding.UTF8.GetBytes("a\u0007b'\"\\")));
    }

    [Test]
    public void Prohibited_characters_make_postgresql_use_the_raw_password()
    {
        // U+E000 is private use (RFC 3454 C.3): pg_saslprep fails and PostgreSQL hashes the raw bytes.
        const string password = "ü\uE000ﬁ";
        Assert.That(SaslPrep.TryPrepare(password, out var bytes), Is.True);
        Assert.That(bytes, Is.EqualTo(Encoding.UTF8.GetBytes(password)));
    }

    [Test]
    public void Precomposed_and_cjk_passwords_are_stable()
    {
        Assert.That(SaslPrep.TryPrepare("日本語-é-Ω", out var bytes), Is.True);
        Assert.That(bytes, Is.EqualTo(Encoding.UTF8.GetBytes("日本語-é-Ω")));
    }

    [Test]
    public void Mixed_direction_text_fails_the_bidi_rule_and_is_used_raw()
    {
        const string password = "abc\u05D0"; // Latin then Hebrew: RandALCat with LCat is prohibited.
        Assert.That(SaslPrep.TryPrepare(password, out var bytes), Is.True);
        Assert.That(bytes, Is.EqualTo(Encoding.UTF8.GetBytes(password)));
    }

    // PostgreSQL's saslprep.c maps C.1.2 spaces before B.1: U+200B, listed in both, becomes a space.
    [TestCase("a\u00A0b", "a b")]
    [TestCase("a\u2000b", "a b")]
    [TestCase("a\u3000b", "a b")]
    [TestCase("a\u00ADb", "ab")]
    [TestCase("a\uFEFFb", "ab")]
    [TestCase("a\u200Bb", "a b")]
    public void Prepare_maps_as_postgresql_does(string password, string prepared)
    {
        Assert.That(SaslPrep.Prepare("é" + password), Is.EqualTo("é" + prepared));
    }

    [Test]
    public void The_verifier_is_computed_from_the_prepared_string()
    {
        Assert.That(ScramVerifier.Create("é\u200Bx", 4096, Salt), Is.EqualTo(ScramVerifier.Create("é x", 4096, Salt)));
    }

    [Test]
    public void Prepare_refuses_what_needs_nfkc()
    {
        Assert.That(SaslPrep.Prepare("ﬁsh"), Is.Null);
    }
}
