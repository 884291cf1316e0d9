using System.Text;
using EscRotators.Composition;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Logging;
using EscRotators.Tls;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Composition;

public sealed class RotatorCompositionTests
{
    private static RotationDispatcher Dispatcher() => RotatorComposition.CreateDispatcher(
        new RotatorOptions(), new SystemTrustStore(null, null), new RotatorLogger(new LogSink(TextWriter.Null, LogFormat.Text, LogLevel.Info)));

    [Test]
    public void The_engine_list_serves_mysql_and_postgres()
    {
        Assert.That(RotatorComposition.EngineTypes, Is.EqualTo(new[] { "mysql", "postgres" }));
    }

    [Test]
    public void Messages_that_name_the_engines_come_from_the_engine_list()
    {
        var dispatcher = Dispatcher();

        Assert.That(dispatcher.EngineTypes, Is.EqualTo("\"mysql\" or \"postgres\""));
    }

    [Test]
    public async Task A_missing_type_is_answered_with_the_accepted_types()
    {
        var time = new FakeTimeProvider();
        var dispatcher = Dispatcher();

        var reply = await dispatcher.RotateAsync(
            Encoding.UTF8.GetBytes("{}"), "req", new InvocationBudget(time.GetUtcNow().AddSeconds(3), time), CancellationToken.None);

        Assert.That(reply.Message, Is.EqualTo("unknown event type : \"type\" must be \"mysql\" or \"postgres\""));
    }

    [Test]
    public async Task Postgres_requires_a_database_and_mysql_does_not()
    {
        var dispatcher = RotatorComposition.CreateDispatcher(
            new RotatorOptions { RetryDelays = [] }, new SystemTrustStore(null, null), new RotatorLogger(new LogSink(TextWriter.Null, LogFormat.Text, LogLevel.Info)));
        const string Event = """
            {"type":"TYPE","host":"127.0.0.1","port":1,"managingUser":{"username":"m","password":"p"},
             "rotateUser":{"username":"u","newPassword":"n"},"tls":{"mode":"disable"}}
            """;

        // Port 1 on loopback refuses at once: mysql passed validation when its reply is about connecting there.
        var budget = new InvocationBudget(DateTimeOffset.UtcNow.AddSeconds(10), TimeProvider.System);
        var postgres = await dispatcher.RotateAsync(Encoding.UTF8.GetBytes(Event.Replace("TYPE", "postgres", StringComparison.Ordinal)), "req", budget, CancellationToken.None);
        var mysql = await dispatcher.RotateAsync(Encoding.UTF8.GetBytes(Event.Replace("TYPE", "mysql", StringComparison.Ordinal)), "req", budget, CancellationToken.None);

        Assert.That(postgres.Message, Is.EqualTo("database is required"));
        Assert.That(mysql.Message, Does.StartWith("could not connect to 127.0.0.1:1"));
    }
}
