using EscRotators.Rotation;

namespace EscRotators.UnitTests.Passwords;

public sealed class PasswordGeneratorTests
{
    private readonly PasswordGenerator _generator = new();

    [Test]
    public void Default_policy_gives_32_alphanumerics()
    {
        var password = _generator.Generate(PasswordPolicy.Default);

        Assert.That(password, Has.Length.EqualTo(32));
        Assert.That(password, Does.Match("^[A-Za-z0-9]{32}$"));
    }

    [TestCase(16)]
    [TestCase(128)]
    public void Length_bounds_are_honoured(int length)
    {
        Assert.That(_generator.Generate(new PasswordPolicy { Length = length }), Has.Length.EqualTo(length));
    }

    [TestCase(15)]
    [TestCase(129)]
    public void Length_outside_bounds_throws(int length)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _generator.Generate(new PasswordPolicy { Length = length }));
    }

    [Test]
    public void Every_password_has_lower_upper_and_digit()
    {
        // A 16-character draw lacks a lower-case (or an upper-case) letter about once in 6,000 times, so 60,000
        // passwords meet each gap about ten times: a generator that skipped one class's check would be seen.
        var missing = 0;
        for (var i = 0; i < 60_000; i++)
        {
            var password = _generator.Generate(new PasswordPolicy { Length = 16 });
            if (!password.Any(char.IsAsciiLetterLower) || !password.Any(char.IsAsciiLetterUpper) || !password.Any(char.IsAsciiDigit))
            {
                missing++;
            }
        }

        Assert.That(missing, Is.Zero);
    }

    [Test]
    public void A_policy_without_symbols_gives_only_letters_and_digits()
    {
        Assert.That(new PasswordPolicy().Symbols, Is.Empty);
        Assert.That(_generator.Generate(new PasswordPolicy { Length = 16 }), Does.Match("^[A-Za-z0-9]{16}$"));
    }

    [Test]
    public void A_missing_policy_is_refused_by_name_and_a_bad_length_says_what_is_wrong()
    {
        Assert.That(Assert.Throws<ArgumentNullException>(() => _generator.Generate(null!))?.ParamName, Is.EqualTo("policy"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _generator.Generate(new PasswordPolicy { Length = 8 }))?.Message, Does.StartWith("password length out of range"));
    }

    [Test]
    public void Symbols_are_used_and_nothing_outside_the_alphabet()
    {
        var policy = new PasswordPolicy { Length = 16, Symbols = "!#%" };
        for (var i = 0; i < 500; i++)
        {
            var password = _generator.Generate(policy);
            Assert.That(password, Does.Match("^[A-Za-z0-9!#%]{16}$"));
            Assert.That(password, Does.Match("[!#%]"));
        }
    }

    [Test]
    public void Consecutive_passwords_agree_in_no_more_places_than_chance()
    {
        // Two independent 32-character passwords over 62 symbols agree in 32/62 = 0.52 places on average (standard
        // deviation of the mean over 1000 pairs: about 0.02). A generator whose output follows from the previous one
        // (a counter, a shifted buffer, a reused seed) agrees in far more, or repeats outright.
        var previous = _generator.Generate(PasswordPolicy.Default);
        var agreements = 0;
        for (var i = 0; i < 1000; i++)
        {
            var next = _generator.Generate(PasswordPolicy.Default);
            Assert.That(next, Is.Not.EqualTo(previous));
            agreements += previous.Zip(next).Count(pair => pair.First == pair.Second);
            previous = next;
        }

        Assert.That(agreements / 1000.0, Is.InRange(0.4, 0.65));
    }

    [Test]
    public void Every_position_is_drawn_from_the_whole_alphabet()
    {
        // The classic way to meet complexity rules, a lower-case letter first, then an upper-case one, a digit and a
        // symbol, passes the other tests but makes each of those places guessable. 2000 draws over 65 symbols: a letter
        // or digit is expected about 29 times per position (a symbol more, as the rejection favours them); missing
        // one by chance has a probability below 1e-9 over all 16 positions.
        var policy = new PasswordPolicy { Length = 16, Symbols = "!#%" };
        var seen = Enumerable.Range(0, policy.Length).Select(_ => new HashSet<char>()).ToArray();
        for (var i = 0; i < 2000; i++)
        {
            var password = _generator.Generate(policy);
            for (var position = 0; position < password.Length; position++)
            {
                seen[position].Add(password[position]);
            }
        }

        for (var position = 0; position < policy.Length; position++)
        {
            Assert.That(seen[position], Has.Count.EqualTo(65), $"position {position}");
        }
    }

    [Test]
    public void Characters_are_spread_over_the_whole_alphabet()
    {
        // 62 symbols, 64 000 draws: each expected ~1032 times; a biased or truncated alphabet falls far outside.
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < 2000; i++)
        {
            foreach (var c in _generator.Generate(PasswordPolicy.Default))
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        Assert.That(counts, Has.Count.EqualTo(62));
        Assert.That(counts.Values.Min(), Is.GreaterThan(800));
        Assert.That(counts.Values.Max(), Is.LessThan(1300));
    }
}
