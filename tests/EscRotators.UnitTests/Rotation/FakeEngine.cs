using EscRotators.Rotation;
using EscRotators.Engines;

namespace EscRotators.UnitTests.Rotation;

/// <summary>An engine that records calls and fails on demand, for testing the orchestration without a database.</summary>
internal sealed class FakeEngine : IDatabaseEngine
{
    public FakeEngine(string type = "mysql") => Type = type;

    public string Type { get; }

    /// <summary>Registered as the real engine of the same type is: only PostgreSQL requires <c>database</c>.</summary>
    public EngineRegistration Registration => new(this, RequiresDatabase: Type == "postgres");

    public List<(string Username, string Password)> SetCalls { get; } = [];

    public List<(string Username, string Password)> VerifyCalls { get; } = [];

    public List<DatabaseEndpoint> Endpoints { get; } = [];

    /// <summary>Failures to throw from successive SetPasswordAsync calls, then succeed.</summary>
    public Queue<Exception> SetFailures { get; } = new();

    public Queue<Exception> VerifyFailures { get; } = new();

    /// <summary>Failures to throw from successive BeginAsync calls (connecting, claiming), then succeed.</summary>
    public Queue<Exception> BeginFailures { get; } = new();

    public int BeginCalls { get; private set; }

    public Func<CancellationToken, Task>? SetBehaviour { get; set; }

    /// <summary>Runs inside BeginAsync and VerifyLoginAsync before they answer (to hang until cancelled, say).</summary>
    public Func<CancellationToken, Task>? BeginBehaviour { get; set; }

    public Func<CancellationToken, Task>? VerifyBehaviour { get; set; }

    /// <summary>How many sessions are open right now (claims held).</summary>
    public int OpenSessions { get; private set; }

    public async Task<IPasswordChangeSession> BeginAsync(DatabaseEndpoint endpoint, string username, CancellationToken cancellationToken)
    {
        Endpoints.Add(endpoint);
        BeginCalls++;
        if (BeginBehaviour is not null)
        {
            await BeginBehaviour(cancellationToken);
        }

        if (BeginFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        OpenSessions++;
        return new Session(this, username);
    }

    /// <summary>The alternate sessions begun: the user to change and the user whose grants it receives.</summary>
    public List<(string Username, string GrantsFrom)> AlternateCalls { get; } = [];

    /// <summary>How many own-password sessions were begun (each claims the managing user).</summary>
    public int OwnPasswordCalls { get; private set; }

    public Task<IPasswordChangeSession> BeginAlternateAsync(DatabaseEndpoint endpoint, string username, string grantsFrom, CancellationToken cancellationToken)
    {
        AlternateCalls.Add((username, grantsFrom));
        return BeginAsync(endpoint, username, cancellationToken);
    }

    public Task<IPasswordChangeSession> BeginOwnPasswordChangeAsync(DatabaseEndpoint endpoint, CancellationToken cancellationToken)
    {
        OwnPasswordCalls++;
        return BeginAsync(endpoint, endpoint.ManagingUser.Username, cancellationToken);
    }

    private sealed class Session(FakeEngine engine, string username) : IPasswordChangeSession
    {
        public async Task SetPasswordAsync(string newPassword, CancellationToken cancellationToken)
        {
            engine.SetCalls.Add((username, newPassword));
            if (engine.SetBehaviour is not null)
            {
                await engine.SetBehaviour(cancellationToken);
            }

            if (engine.SetFailures.TryDequeue(out var failure))
            {
                throw failure;
            }
        }

        public ValueTask DisposeAsync()
        {
            engine.OpenSessions--;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Sessions open while verifying: the claim must still be held.</summary>
    public List<int> OpenSessionsDuringVerify { get; } = [];

    public async Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken)
    {
        VerifyCalls.Add((login.Username, login.Password));
        OpenSessionsDuringVerify.Add(OpenSessions);
        if (VerifyBehaviour is not null)
        {
            await VerifyBehaviour(cancellationToken);
        }

        if (VerifyFailures.TryDequeue(out var failure))
        {
            throw failure;
        }
    }
}
