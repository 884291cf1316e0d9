using System.Text;
using EscRotators.Composition;
using EscRotators.Rotation;
using EscRotators.IntegrationTests.Infrastructure;
using EscRotators.Logging;
using EscRotators.Protocol;
using EscRotators.Tls;

namespace EscRotators.IntegrationTests;

/// <summary>
/// The rule for overlapping rotations of one pair: each rotation claims the user it rotates (an advisory lock on the
/// managing connection, held from ALTER until the verification login); an overlapping rotation of the same user fails
/// at once with a 400 and changes nothing. So whichever state the caller keeps, its current logs in.
/// </summary>
[TestFixture]
public sealed class ConcurrencyTests
{
    private static RotationDispatcher SharedDispatcher(StringWriter log) => RotatorComposition.CreateDispatcher(
        TestRotatorDefaults.Options,
        SystemTrustStore.FromEnvironment(),
        new RotatorLogger(new LogSink(log, LogFormat.Text, LogLevel.Info)));

    private static async Task<(RotatorRun Result, DateTime Finished)> RotateAsync(RotationDispatcher dispatcher, byte[] payload)
    {
        var budget = new InvocationBudget(DateTimeOffset.UtcNow.AddSeconds(30), TimeProvider.System);
        var reply = await dispatcher.RotateAsync(payload, "concurrent", budget, CancellationToken.None);
        var finished = DateTime.UtcNow;
        return (RotatorRun.From(Encoding.UTF8.GetString(ReplySerializer.Serialize(reply)), "", exitCode: null), finished);
    }

    // A rotation releases its claim before it closes the connection: the server ends a closed session only after we
    // replied, and a retry or the next scheduled rotation must not meet a claim nobody holds any more.
    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Back_to_back_rotations_of_one_user_never_meet_their_own_claim(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.OneUserAsync(db);
        var (user, manager) = scenario;
        using var log = new StringWriter();
        var dispatcher = SharedDispatcher(log);

        var password = user.Password;
        for (var round = 0; round < 40; round++)
        {
            var next = Secrets.Plain();
            var evt = EventJson.FormA(db, manager, user.Name, password, next, EventJson.Tls("disable"));
            var (result, _) = await RotateAsync(dispatcher, EventJson.ToUtf8(evt));
            Assert.That(result.Code, Is.EqualTo(200), $"round {round}: {result.Message}");
            password = next;
        }

        Assert.That(await db.CanLogInAsync(user.Name, password), Is.True);
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Two_rotations_of_the_same_pair_at_once_leave_a_current_that_logs_in(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        await using var scenario = await RotationScenario.TwoUsersAsync(db);
        var (user1, user2, manager) = scenario;
        var state = new System.Text.Json.Nodes.JsonObject
        {
            ["current"] = EventJson.Credentials(user1.Name, user1.Password),
            ["previous"] = EventJson.Credentials(user2.Name, user2.Password),
        };
        var payload = EventJson.ToUtf8(EventJson.FormB(db, manager, user1.Name, user2.Name, state));
        using var log = new StringWriter();
        var dispatcher = SharedDispatcher(log);

        for (var round = 0; round < 5; round++)
        {
            using var start = new Barrier(2);
            var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                start.SignalAndWait();
                return await RotateAsync(dispatcher, payload);
            })).ToArray();
            var outcomes = await Task.WhenAll(runs);

            using (Assert.EnterMultipleScope())
            {
                foreach (var (result, _) in outcomes)
                {
                    Assert.That(result.Code == 200 || result.Message.Contains("another rotation", StringComparison.Ordinal), Is.True, result.Describe());
                    Assert.That(result.Code == 200 || !result.HasState, Is.True, "a refused rotation returns no state");
                }

                var succeeded = outcomes.Where(o => o.Result.Code == 200).OrderBy(o => o.Finished).ToArray();
                Assert.That(succeeded, Is.Not.Empty, "at least one of the two rotates");
                var last = succeeded[^1].Result;
                Assert.That(
                    await db.CanLogInAsync((string)last.Current!["username"]!, (string)last.Current["password"]!),
                    Is.True,
                    $"round {round}: the current of the last state logs in");
                Assert.That(await db.CanLogInAsync(user1.Name, user1.Password), Is.True, "the current user was never touched");
            }
        }
    }

    [TestCase(DbEngine.Postgres, Category = "Postgres")]
    [TestCase(DbEngine.MariaDb, Category = "MySql")]
    public async Task Twenty_rotations_of_different_pairs_in_parallel_through_one_dispatcher_all_succeed(DbEngine engine)
    {
        await using var db = await TestDatabases.OpenAsync(engine);
        var pairs = new List<(TestUser User1, TestUser User2)>();
        for (var i = 0; i < 20; i++)
        {
            pairs.Add((await db.CreateUserAsync(), await db.CreateUserAsync()));
        }

        var manager = await db.CreateManagingUserAsync([.. pairs.SelectMany(p => new[] { p.User1, p.User2 })]);
        using var log = new StringWriter();
        var dispatcher = SharedDispatcher(log);

        var outcomes = await Task.WhenAll(pairs.Select(pair => Task.Run(() =>
            RotateAsync(dispatcher, EventJson.ToUtf8(EventJson.FormB(db, manager, pair.User1.Name, pair.User2.Name))))));

        using (Assert.EnterMultipleScope())
        {
            for (var i = 0; i < pairs.Count; i++)
            {
                var result = outcomes[i].Result;
                Expect.Ok(result);
                Assert.That((string?)result.Current?["username"], Is.EqualTo(pairs[i].User1.Name));
                Assert.That(await db.CanLogInAsync(pairs[i].User1.Name, (string)result.Current!["password"]!), Is.True);
                Assert.That(await db.CanLogInAsync(pairs[i].User2.Name, pairs[i].User2.Password), Is.True, "the other user is untouched");
            }
        }
    }
}
