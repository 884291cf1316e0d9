using System.Text;
using System.Text.Json;
using EscRotators.Configuration;
using EscRotators.Rotation;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Rotation;

public sealed class RotationDispatcherTests
{
    private const string FormA = """
        {"type":"mysql","host":"db","port":3306,"database":"app",
         "managingUser":{"username":"m","password":"managing-secret"},
         "rotateUser":{"username":"user1","password":"old-secret","newPassword":"new-secret"}}
        """;

    private const string FormB = """
        {"type":"mysql","inputs":{
          "database":{"host":"db","port":3306,"database":"app","managingUser":{"username":"m","password":"managing-secret"}},
          "rotateUsers":{"username1":"user1","username2":"user2"}},
         "state":{"current":{"username":"user1","password":"current-secret"},"previous":{"username":"user2","password":"previous-secret"}}}
        """;

    private FakeEngine _engine = null!;
    private FakeEngine _postgres = null!;
    private StringWriter _log = null!;
    private FakeTimeProvider _time = null!;
    private RotationDispatcher _dispatcher = null!;

    [SetUp]
    public void SetUp()
    {
        _engine = new FakeEngine();
        _postgres = new FakeEngine("postgres");
        _log = new StringWriter();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero));
        var options = new RotatorOptions { RetryDelays = [TimeSpan.Zero, TimeSpan.Zero] };
        _dispatcher = new RotationDispatcher(
            [_engine.Registration, _postgres.Registration],
            options,
            new RotatorLogger(new LogSink(_log, LogFormat.Text, LogLevel.Debug, _time)));
    }

    private InvocationBudget Budget(TimeSpan timeout) => new(_time.GetUtcNow() + timeout, _time);

    private Task<RotationReply> Dispatch(string json, CancellationToken cancellationToken = default) =>
        _dispatcher.RotateAsync(Encoding.UTF8.GetBytes(json), "req", Budget(TimeSpan.FromSeconds(30)), cancellationToken);

    private static string Json(RotationReply reply) => Encoding.UTF8.GetString(ReplySerializer.Serialize(reply));

    [Test]
    public async Task A_form_its_caller_parsed_is_validated_by_its_reader_for_the_engine_of_its_type_and_rotated()
    {
        var requiresDatabase = new List<bool>();
        var stored = new StoredCredential("user1", "current-secret");

        var result = await _dispatcher.RotateAsync(
            " POSTGRES ",
            (v, database) =>
            {
                requiresDatabase.Add(database);
                return v.ValidateFullRotation(
                    new WireDatabase { Host = "db", Port = 5432, Database = "app", ManagingUser = new WireCredentials { Username = "m", Password = "managing-secret" } },
                    new WireRotateUsers { Username1 = "user1", Username2 = "user2" },
                    null,
                    stored,
                    previous: null,
                    database);
            },
            "req",
            Budget(TimeSpan.FromSeconds(30)),
            CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(requiresDatabase, Is.EqualTo(new[] { true }), "the postgres registration's rule reaches the reader");
            Assert.That(result.IsSuccess, Is.True, result.Error);
            Assert.That(result.State?.Current.Username, Is.EqualTo("user2"));
            Assert.That(result.State?.Previous, Is.SameAs(stored));
            Assert.That(_postgres.SetCalls.Single().Password, Is.EqualTo(result.State?.Current.Password));
            Assert.That(_engine.SetCalls, Is.Empty);
        }
    }

    [Test]
    public async Task A_reader_that_finds_bad_input_gives_a_rejected_result_and_an_unknown_type_never_reaches_the_reader()
    {
        var read = 0;
        RotationRequest Reader(RequestValidator validator, bool requiresDatabase)
        {
            read++;
            throw new InvalidRequestException("inputs.database is required");
        }

        var rejected = await _dispatcher.RotateAsync("mysql", Reader, "req", Budget(TimeSpan.FromSeconds(30)), CancellationToken.None);
        var unknown = await _dispatcher.RotateAsync("oracle", Reader, "req", Budget(TimeSpan.FromSeconds(30)), CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((rejected.IsSuccess, rejected.Error, rejected.State), Is.EqualTo((false, "inputs.database is required", (RotationState?)null)));
            Assert.That(unknown.Error, Is.EqualTo("unknown event type oracle"));
            Assert.That(read, Is.EqualTo(1));
            Assert.That(_engine.SetCalls, Is.Empty);
            Assert.That(_log.ToString(), Does.Contain("request rejected"));
        }
    }

    [Test]
    public async Task Form_a_sets_then_verifies_the_given_password_and_replies_ok()
    {
        var reply = await Dispatch(FormA);

        Assert.That(Json(reply), Is.EqualTo("""{"code":200,"message":"ok"}"""));
        Assert.That(_engine.SetCalls, Is.EqualTo(new[] { ("user1", "new-secret") }));
        Assert.That(_engine.VerifyCalls, Is.EqualTo(new[] { ("user1", "new-secret") }));
    }

    [Test]
    public async Task Form_b_rotates_the_non_current_user_and_returns_the_new_state()
    {
        var reply = await Dispatch(FormB);

        Assert.That(reply.Code, Is.EqualTo(200));
        var (user, password) = _engine.SetCalls.Single();
        Assert.That(user, Is.EqualTo("user2"));
        Assert.That(password, Does.Match("^[A-Za-z0-9]{32}$"));
        Assert.That(_engine.VerifyCalls.Single(), Is.EqualTo((user, password)));

        using var json = JsonDocument.Parse(Json(reply));
        var state = json.RootElement.GetProperty("state");
        Assert.That(state.GetProperty("current").GetProperty("username").GetString(), Is.EqualTo("user2"));
        Assert.That(state.GetProperty("current").GetProperty("password").GetString(), Is.EqualTo(password));
        Assert.That(state.GetProperty("previous").GetProperty("username").GetString(), Is.EqualTo("user1"));
        Assert.That(state.GetProperty("previous").GetProperty("password").GetString(), Is.EqualTo("current-secret"));
    }

    [Test]
    public async Task Form_b_first_rotation_writes_previous_as_null()
    {
        var reply = await Dispatch(FormB.Replace("\"state\"", "\"ignored\"", StringComparison.Ordinal));

        Assert.That(Json(reply), Does.Contain("\"previous\":null"));
        Assert.That(_engine.SetCalls.Single().Username, Is.EqualTo("user1"));
    }

    [Test]
    public async Task Unknown_type_is_refused_with_the_contract_message()
    {
        var reply = await Dispatch("""{"type":"oracle"}""");

        Assert.That(Json(reply), Is.EqualTo("""{"code":400,"message":"unknown event type oracle"}"""));
    }

    [Test]
    public async Task Missing_type_is_refused_as_unknown_and_names_the_types_served()
    {
        Assert.That((await Dispatch("{}")).Message, Is.EqualTo("unknown event type : \"type\" must be \"mysql\" or \"postgres\""));
    }

    [Test]
    public async Task A_rejected_request_is_logged_as_a_warning_with_its_message()
    {
        await Dispatch("""{"type":"oracle"}""");

        Assert.That(_log.ToString(), Does.EndWith("\treq\tWARN\trequest rejected outcome=rejected error=\"unknown event type oracle\"\n"));
    }

    [TestCase(0, "(no engine)")]
    [TestCase(1, "\"e0\"")]
    [TestCase(3, "\"e0\", \"e1\" or \"e2\"")]
    public void The_types_served_are_listed_as_a_sentence(int engines, string sentence)
    {
        var registrations = Enumerable.Range(0, engines).Select(i => new FakeEngine($"e{i}").Registration);

        Assert.That(new RotationDispatcher(registrations, new RotatorOptions(), new RotatorLogger(new LogSink(_log, LogFormat.Text, LogLevel.Debug))).EngineTypes, Is.EqualTo(sentence));
    }

    [Test]
    public void Each_missing_argument_is_refused_by_name()
    {
        var logger = new RotatorLogger(new LogSink(_log, LogFormat.Text, LogLevel.Debug));
        EngineRegistration[] engines = [_engine.Registration];

        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new RotationDispatcher(null!, new RotatorOptions(), logger))?.ParamName, Is.EqualTo("engines"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new RotationDispatcher(engines, null!, logger))?.ParamName, Is.EqualTo("options"));
        Assert.That(Assert.Throws<ArgumentNullException>(() => _ = new RotationDispatcher(engines, new RotatorOptions(), null!))?.ParamName, Is.EqualTo("logger"));
        Assert.That(
            Assert.Throws<ArgumentNullException>(() => _ = _dispatcher.RotateAsync("mysql", null!, "req", Budget(TimeSpan.FromSeconds(30)), default))?.ParamName,
            Is.EqualTo("validate"));
    }

    [Test]
    public void A_missing_budget_is_a_bug_of_the_caller_even_for_a_request_that_would_be_rejected()
    {
        var ex = Assert.ThrowsAsync<UnexpectedRotatorException>(() =>
            _dispatcher.RotateAsync(Encoding.UTF8.GetBytes("""{"type":"oracle"}"""), "req", null!, CancellationToken.None));

        Assert.That((ex?.InnerException as ArgumentNullException)?.ParamName, Is.EqualTo("budget"));
    }

    [Test]
    public async Task Type_matches_regardless_of_case()
    {
        Assert.That((await Dispatch(FormA.Replace("\"mysql\"", "\"MySQL\"", StringComparison.Ordinal))).Code, Is.EqualTo(200));
    }

    [Test]
    public async Task Invalid_requests_never_reach_the_engine()
    {
        var reply = await Dispatch(FormA.Replace("\"port\":3306", "\"port\":0", StringComparison.Ordinal));

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(_engine.SetCalls, Is.Empty);
    }

    [Test]
    public async Task Failed_verification_is_a_400_that_says_the_password_changed_and_returns_no_state()
    {
        _engine.VerifyFailures.Enqueue(new RotationFailedException(RotationFailureKind.Authentication, "login refused"));

        var reply = await Dispatch(FormB);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(reply.State, Is.Null);
        Assert.That(reply.Message, Does.Contain("was changed, but logging in with it failed: login refused"));
        Assert.That(reply.Message, Does.Contain("next rotation"));
        Assert.That(Json(reply), Does.Not.Contain("\"state\":"));
    }

    [Test]
    public async Task Verification_runs_while_the_user_is_still_claimed_and_the_claim_is_released_after()
    {
        await Dispatch(FormA);

        Assert.That(_engine.OpenSessionsDuringVerify, Is.EqualTo(new[] { 1 }));
        Assert.That(_engine.OpenSessions, Is.Zero);
    }

    [Test]
    public async Task A_failed_statement_releases_the_claim()
    {
        _engine.SetFailures.Enqueue(new RotationFailedException(RotationFailureKind.Permission, "no grant"));

        await Dispatch(FormA);

        Assert.That(_engine.OpenSessions, Is.Zero);
    }

    [Test]
    public async Task Unreachable_database_is_retried_then_succeeds()
    {
        _engine.BeginFailures.Enqueue(new RotationFailedException(RotationFailureKind.Unreachable, "refused"));
        _engine.BeginFailures.Enqueue(new RotationFailedException(RotationFailureKind.Unreachable, "refused"));

        var reply = await Dispatch(FormA);

        Assert.That(reply.Code, Is.EqualTo(200));
        Assert.That(_engine.BeginCalls, Is.EqualTo(3));
        Assert.That(_engine.SetCalls, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Retries_are_bounded()
    {
        for (var i = 0; i < 10; i++)
        {
            _engine.BeginFailures.Enqueue(new RotationFailedException(RotationFailureKind.Unreachable, "refused"));
        }

        var reply = await Dispatch(FormA);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(reply.Message, Is.EqualTo("refused"));
        Assert.That(_engine.BeginCalls, Is.EqualTo(3));
    }

    [Test]
    public async Task A_failed_password_statement_is_not_retried()
    {
        _engine.SetFailures.Enqueue(new RotationFailedException(RotationFailureKind.Unreachable, "connection lost"));

        var reply = await Dispatch(FormA);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(_engine.SetCalls, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_concurrent_rotation_of_the_same_user_is_a_400_without_state()
    {
        _engine.BeginFailures.Enqueue(new RotationFailedException(RotationFailureKind.Conflict, "another rotation is in progress"));

        var reply = await Dispatch(FormB);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(reply.State, Is.Null);
        Assert.That(_engine.BeginCalls, Is.EqualTo(1));
        Assert.That(_engine.SetCalls, Is.Empty);
    }

    [Test]
    public async Task Authentication_failures_are_not_retried()
    {
        _engine.SetFailures.Enqueue(new RotationFailedException(RotationFailureKind.Authentication, "denied"));

        var reply = await Dispatch(FormA);

        Assert.That(reply.Message, Is.EqualTo("denied"));
        Assert.That(_engine.SetCalls, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Deadline_gives_a_400_saying_the_database_did_not_answer()
    {
        var budget = Budget(TimeSpan.FromSeconds(3));
        using var replyDue = budget.CancelWhenReplyIsDue();
        _engine.SetBehaviour = ct =>
        {
            // The statement hangs until the budget's work time is up.
            _time.Advance(TimeSpan.FromSeconds(3));
            return Task.Delay(Timeout.Infinite, ct);
        };

        var reply = await _dispatcher.RotateAsync(Encoding.UTF8.GetBytes(FormA), "req", budget, replyDue.Token);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(reply.Message, Does.Contain("did not answer in time"));
        Assert.That(reply.Message, Does.Contain("may or may not have changed"), "the statement was on its way");
    }

    [Test]
    public async Task Secrets_in_an_engine_message_are_masked_in_reply_and_log()
    {
        _engine.SetFailures.Enqueue(new RotationFailedException(
            RotationFailureKind.ServerError, "server said near 'new-secret' with managing-secret"));
        var formA = await Dispatch(FormA);

        _engine.SetFailures.Enqueue(new RotationFailedException(
            RotationFailureKind.ServerError, "server said current-secret, previous-secret and managing-secret"));
        var formB = await Dispatch(FormB);

        Assert.That(formA.Code, Is.EqualTo(400));
        Assert.That(formA.Message, Is.EqualTo("server said near '[redacted]' with [redacted]"));
        Assert.That(formB.Message, Is.EqualTo("server said [redacted], [redacted] and [redacted]"));
        Assert.That(_log.ToString(), Does.Not.Contain("managing-secret").And.Not.Contain("current-secret")
            .And.Not.Contain("previous-secret").And.Not.Contain("new-secret"));
    }

    [Test]
    public async Task Success_is_logged_with_engine_host_database_user_outcome_and_time()
    {
        await Dispatch(FormA);

        Assert.That(_log.ToString(), Does.Contain("rotation succeeded engine=mysql host=db database=app rotatedUser=user1 outcome=rotated elapsedMs="));
    }

    [Test]
    public async Task Connect_timeout_is_derived_from_the_deadline()
    {
        await _dispatcher.RotateAsync(Encoding.UTF8.GetBytes(FormA), "req", Budget(TimeSpan.FromSeconds(3)), CancellationToken.None);

        // 3 s less the 250 ms reply margin, rounded down to the whole seconds drivers take.
        Assert.That(_engine.Endpoints.Single().ConnectTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void A_bug_in_an_engine_escapes_as_an_unexpected_error_without_its_message()
    {
        _engine.SetFailures.Enqueue(new InvalidOperationException("bug holding new-secret"));

        var ex = Assert.ThrowsAsync<UnexpectedRotatorException>(() =>
            _dispatcher.RotateToJsonAsync(Encoding.UTF8.GetBytes(FormA), "req", Budget(TimeSpan.FromSeconds(30)), CancellationToken.None));

        Assert.That(ex!.Message, Is.EqualTo("internal error (InvalidOperationException); the rotator's log has the stack trace"));
        Assert.That(ex.InnerException, Is.TypeOf<InvalidOperationException>());
        Assert.That(_log.ToString(), Does.Not.Contain("new-secret")
            .And.Contain("\treq\tERROR\tunexpected failure exception=System.InvalidOperationException stackTrace=\"   at "));
    }

    [Test]
    public async Task A_parsed_event_goes_through_the_same_validation_rotation_and_reply()
    {
        using var document = JsonDocument.Parse(FormB);

        var reply = await _dispatcher.RotateAsync(document.RootElement, "req", Budget(TimeSpan.FromSeconds(30)), CancellationToken.None);

        Assert.That(reply.Code, Is.EqualTo(200));
        Assert.That(reply.State!.Current!.Username, Is.EqualTo("user2"));
        Assert.That(_engine.VerifyCalls.Single(), Is.EqualTo(_engine.SetCalls.Single()));
    }

    [Test]
    public void A_bug_behind_the_parsed_event_entry_is_caught_by_the_same_catch_all()
    {
        _engine.SetFailures.Enqueue(new InvalidOperationException("bug holding new-secret"));
        using var document = JsonDocument.Parse(FormA);

        var ex = Assert.ThrowsAsync<UnexpectedRotatorException>(() =>
            _dispatcher.RotateAsync(document.RootElement, "req", Budget(TimeSpan.FromSeconds(30)), CancellationToken.None));

        Assert.That(ex!.Message, Does.Not.Contain("new-secret"));
        Assert.That(_log.ToString(), Does.Contain("unexpected failure"));
    }

    [Test]
    public async Task An_event_already_past_its_deadline_says_so_and_contacts_nothing()
    {
        var reply = await _dispatcher.RotateAsync(Encoding.UTF8.GetBytes(FormA), "req", Budget(TimeSpan.FromSeconds(-5)), CancellationToken.None);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(reply.Message, Does.StartWith("the invocation's deadline had already passed"));
        Assert.That(reply.Message, Does.Not.Contain("1 ms"));
        Assert.That(_engine.BeginCalls, Is.Zero);
    }

    [Test]
    public async Task A_deadline_while_connecting_says_nothing_changed()
    {
        var budget = Budget(TimeSpan.FromSeconds(3));
        using var replyDue = budget.CancelWhenReplyIsDue();
        _engine.BeginFailures.Enqueue(new OperationCanceledException());
        _time.Advance(TimeSpan.FromSeconds(3));

        var reply = await _dispatcher.RotateAsync(Encoding.UTF8.GetBytes(FormA), "req", budget, replyDue.Token);

        Assert.That(reply.Code, Is.EqualTo(400));
        Assert.That(reply.Message, Does.Not.Contain("may or may not"));
        Assert.That(_engine.SetCalls, Is.Empty);
    }

    [TestCase("\"database\":\"app\",")]
    [TestCase("\"database\":\"app\"")]
    public async Task Mysql_rotates_without_a_database_in_both_forms(string database)
    {
        var formA = FormA.Replace(database, database.EndsWith(',') ? "" : "\"database\":\"\"", StringComparison.Ordinal);
        var formB = FormB.Replace(database, database.EndsWith(',') ? "" : "\"database\":\"\"", StringComparison.Ordinal);

        Assert.That((await Dispatch(formA)).Code, Is.EqualTo(200));
        Assert.That((await Dispatch(formB)).Code, Is.EqualTo(200));
        Assert.That(_engine.Endpoints.Select(e => e.Database), Is.All.Empty);
    }

    [Test]
    public async Task Postgres_without_a_database_is_refused_before_the_engine()
    {
        var reply = await Dispatch(FormA.Replace("\"mysql\"", "\"postgres\"", StringComparison.Ordinal).Replace("\"database\":\"app\",", "", StringComparison.Ordinal));

        Assert.That(reply.Message, Is.EqualTo("database is required"));
        Assert.That(_postgres.BeginCalls, Is.Zero);
    }

    [Test]
    public async Task A_one_character_state_password_does_not_garble_the_message()
    {
        _engine.BeginFailures.Enqueue(new RotationFailedException(RotationFailureKind.UnknownUser, "role \"user2\" does not exist"));

        var reply = await Dispatch(FormB.Replace("\"current-secret\"", "\"x\"", StringComparison.Ordinal));

        Assert.That(reply.Message, Is.EqualTo("role \"user2\" does not exist"));
    }

    [Test]
    public async Task An_unknown_type_echo_escapes_format_characters()
    {
        var reply = await Dispatch("{\"type\":\"a\\u2028b\\u202ec\\u200bd\"}");

        Assert.That(reply.Message, Is.EqualTo("unknown event type a?b?c?d"));
    }
}
