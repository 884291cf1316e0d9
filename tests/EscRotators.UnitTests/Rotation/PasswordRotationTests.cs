using EscRotators.Configuration;
using EscRotators.Engines;
using EscRotators.Logging;
using EscRotators.Rotation;
using EscRotators.Tls;
using Microsoft.Extensions.Time.Testing;

namespace EscRotators.UnitTests.Rotation;

/// <summary>The rotation itself, driven with typed requests: its messages, its log lines and its retries.</summary>
public sealed class PasswordRotationTests
{
    private static readonly DatabaseEndpoint Endpoint = new(
        "db", 3306, "app", new Credential("m", "managing-secret"), new TlsSettings(TlsMode.Prefer, null), TimeSpan.FromSeconds(5));

    private FakeEngine _engine = null!;
    private StringWriter _log = null!;
    private FakeTimeProvider _time = null!;
    private RotatorLogger _logger = null!;

    [SetUp]
    public void SetUp()
    {
        _engine = new FakeEngine();
        _log = new StringWriter();
        _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 2, 0, 0, TimeSpan.Zero));
        _logger = new RotatorLogger(new LogSink(_log, LogFormat.Text, LogLevel.Debug, _time), "req");
    }

    private static PasswordRotation Rotation(params TimeSpan[] retryDelays) =>
        new(new RotatorOptions { RetryDelays = retryDelays }, new RotationPlanner(), new PasswordGenerator());

    private InvocationBudget Budget(TimeSpan timeout) => new(_time.GetUtcNow() + timeout, _time);

    private static ConnectorRequest FormA() => new(Endpoint, "user1", "new-secret");

    private static FullRotationRequest FormB() =>
        new(Endpoint, "user1", "user2", new StoredCredential("user1", "current-secret"), null, PasswordPolicy.Default);

    private Task<RotationResult> Run(RotationRequest request, InvocationBudget? budget = null, CancellationToken cancellationToken = default) =>
        Rotation(TimeSpan.Zero).RunAsync(request, _engine, budget ?? Budget(TimeSpan.FromSeconds(30)), _logger, cancellationToken);

    [Test]
    public void Each_missing_argument_is_refused_by_name()
    {
        var rotation = Rotation();
        var budget = Budget(TimeSpan.FromSeconds(30));

        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => rotation.RunAsync(null!, _engine, budget, _logger, default))?.ParamName, Is.EqualTo("request"));
        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => rotation.RunAsync(FormA(), null!, budget, _logger, default))?.ParamName, Is.EqualTo("engine"));
        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => rotation.RunAsync(FormA(), _engine, null!, _logger, default))?.ParamName, Is.EqualTo("budget"));
        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => rotation.RunAsync(FormA(), _engine, budget, null!, default))?.ParamName, Is.EqualTo("log"));
        Assert.That(_engine.BeginCalls, Is.Zero);
    }

    [Test]
    public async Task A_failure_is_logged_once_as_a_warning_with_the_summary_kind_stage_time_and_redacted_error()
    {
        _engine.SetFailures.Enqueue(new RotationFailedException(RotationFailureKind.ServerError, "near 'new-secret'"));

        var result = await Run(FormA());

        Assert.That(result.Error, Is.EqualTo("near '[redacted]'"));
        Assert.That(
            _log.ToString(),
            Does.Match("^[^\t]+\treq\tWARN\trotation failed engine=mysql host=db database=app rotatedUser=user1 outcome=failed " +
                "failure=ServerError stage=SettingPassword elapsedMs=[0-9]+ error=\"near '\\[redacted\\]'\"\n$"));
    }

    [Test]
    public async Task A_form_a_failure_after_the_statement_was_sent_tells_the_caller_to_keep_its_credentials_and_retry()
    {
        _engine.SetFailures.Enqueue(new RotationFailedException(RotationFailureKind.Timeout, "no answer") { OutcomeUnknown = true });

        var result = await Run(FormA());

        Assert.That(result.Error, Is.EqualTo(
            "no answer; the password of \"user1\" may or may not have changed: " +
            "the caller keeps its previous credentials; retry the rotation to set the password again"));
    }

    [Test]
    public async Task A_form_b_failed_login_says_no_new_state_is_returned_and_the_next_rotation_sets_the_password_again()
    {
        _engine.VerifyFailures.Enqueue(new RotationFailedException(RotationFailureKind.Authentication, "denied"));

        var result = await Run(FormB());

        Assert.That(result.State, Is.Null);
        Assert.That(result.Error, Is.EqualTo(
            "the password of \"user2\" was changed, but logging in with it failed: denied; no new state is returned, " +
            "the current credentials are untouched, and the next rotation sets this user's password again"));
    }

    [Test]
    public async Task A_deadline_while_logging_in_as_the_managing_user_is_a_timeout_that_changed_nothing()
    {
        var budget = Budget(TimeSpan.FromSeconds(3));
        using var replyDue = budget.CancelWhenReplyIsDue();
        _engine.BeginBehaviour = ct =>
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            return Task.Delay(Timeout.Infinite, ct);
        };

        var result = await Run(FormA(), budget, replyDue.Token);

        Assert.That(result.Error, Does.StartWith("the database at db:3306 did not answer in time (while connecting, as the managing user); "));
        Assert.That(result.Error, Does.Not.Contain("may or may not"));
        Assert.That(_log.ToString(), Does.Contain("failure=Timeout stage=Connecting"));
    }

    [Test]
    public async Task A_deadline_while_the_password_statement_runs_leaves_the_outcome_unknown()
    {
        var budget = Budget(TimeSpan.FromSeconds(3));
        using var replyDue = budget.CancelWhenReplyIsDue();
        _engine.SetBehaviour = ct =>
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            return Task.Delay(Timeout.Infinite, ct);
        };

        var result = await Run(FormA(), budget, replyDue.Token);

        Assert.That(result.Error, Does.StartWith(
            "the database at db:3306 did not answer in time (to a statement, as the managing user); "));
        Assert.That(result.Error, Does.Contain("; the password of \"user1\" may or may not have changed: "));
    }

    [Test]
    public async Task A_deadline_while_logging_in_with_the_new_password_names_the_rotated_user()
    {
        var budget = Budget(TimeSpan.FromSeconds(3));
        using var replyDue = budget.CancelWhenReplyIsDue();
        _engine.VerifyBehaviour = ct =>
        {
            _time.Advance(TimeSpan.FromSeconds(3));
            return Task.Delay(Timeout.Infinite, ct);
        };

        var result = await Run(FormA(), budget, replyDue.Token);

        Assert.That(result.Error, Does.StartWith(
            "the password of \"user1\" was changed, but logging in with it failed: " +
            "the database at db:3306 did not answer in time (while connecting, as the rotated user); "));
    }

    [Test]
    public void A_cancellation_the_caller_did_not_ask_for_is_not_reported_as_the_deadline()
    {
        // A driver's own cancellation with the caller's token still live is a bug to surface, not a timeout to explain.
        _engine.SetFailures.Enqueue(new OperationCanceledException());

        Assert.ThrowsAsync<OperationCanceledException>(() => Run(FormA()));
        Assert.That(_log.ToString(), Does.Not.Contain("rotation failed"));
    }

    [Test]
    public void An_error_that_is_not_a_rotation_failure_escapes_even_once_the_caller_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        _engine.SetFailures.Enqueue(new InvalidOperationException("bug"));

        Assert.ThrowsAsync<InvalidOperationException>(() => Run(FormA(), cancellationToken: cancelled.Token));
    }

    [Test]
    public async Task A_retry_waits_its_delay_on_the_budgets_clock_and_logs_the_attempt_at_debug()
    {
        _engine.BeginFailures.Enqueue(new RotationFailedException(RotationFailureKind.Unreachable, "refused"));
        var running = Rotation(TimeSpan.FromSeconds(2)).RunAsync(FormA(), _engine, Budget(TimeSpan.FromSeconds(30)), _logger, default);

        Assert.That(_engine.BeginCalls, Is.EqualTo(1));
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.That(_engine.BeginCalls, Is.EqualTo(1), "the second attempt waits the whole delay");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await running;

        Assert.That(result.IsSuccess, Is.True);
        Assert.That(_engine.BeginCalls, Is.EqualTo(2));
        Assert.That(_log.ToString(), Does.Contain("\treq\tDEBUG\tdatabase unreachable, retrying attempt=1 delayMs=2000\n"));
    }

    [Test]
    public void DatabaseRetry_refuses_each_missing_argument_by_name()
    {
        var budget = Budget(TimeSpan.FromSeconds(30));
        Func<CancellationToken, Task<bool>> step = _ => Task.FromResult(true);
        TimeSpan[] delays = [];

        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => DatabaseRetry.RunAsync<bool>(null!, delays, budget, _logger, default))?.ParamName, Is.EqualTo("step"));
        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => DatabaseRetry.RunAsync(step, null!, budget, _logger, default))?.ParamName, Is.EqualTo("delays"));
        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => DatabaseRetry.RunAsync(step, delays, null!, _logger, default))?.ParamName, Is.EqualTo("budget"));
        Assert.That(Assert.ThrowsAsync<ArgumentNullException>(() => DatabaseRetry.RunAsync(step, delays, budget, null!, default))?.ParamName, Is.EqualTo("log"));
    }
}
