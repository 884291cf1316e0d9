using EscRotators.Adapter.Jwt;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Adapter;

public sealed class ReplayCacheTests
{
    [Test]
    public void An_id_is_refused_while_its_token_is_valid_and_forgotten_after()
    {
        var time = new FakeTimeProvider();
        var cache = new ReplayCache(10, time);
        var forgetAfter = time.GetUtcNow().AddMinutes(5);

        Assert.That(cache.TryRecord("a", forgetAfter), Is.EqualTo(ReplayVerdict.Recorded));
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.That(cache.TryRecord("a", forgetAfter), Is.EqualTo(ReplayVerdict.Replayed));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.That(cache.TryRecord("b", time.GetUtcNow().AddMinutes(5)), Is.EqualTo(ReplayVerdict.Recorded));
        Assert.That(cache.Count, Is.EqualTo(1), "the expired id was dropped");
    }

    [Test]
    public void A_full_cache_refuses_new_ids_rather_than_forget_a_valid_one()
    {
        var time = new FakeTimeProvider();
        var cache = new ReplayCache(2, time);
        var later = time.GetUtcNow().AddMinutes(5);
        cache.TryRecord("a", later);
        cache.TryRecord("b", later);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(cache.TryRecord("c", later), Is.EqualTo(ReplayVerdict.Full));
            Assert.That(cache.TryRecord("a", later), Is.EqualTo(ReplayVerdict.Replayed));
        }
    }

    [Test]
    public void A_cache_without_room_or_an_id_that_is_null_is_refused_at_the_call()
    {
        var time = new FakeTimeProvider();

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReplayCache(0, time));
        var nullId = Assert.Throws<ArgumentNullException>(() => new ReplayCache(1, time).TryRecord(null!, time.GetUtcNow().AddMinutes(5)));
        Assert.That(nullId?.ParamName, Is.EqualTo("tokenId"), "the refusal names the caller's argument, not a collection's");
    }
}
