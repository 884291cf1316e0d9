using EscRotators.Engines;

namespace EscRotators.UnitTests.Rotation;

/// <summary>An engine that records calls and fails on demand, for testing the orchestration without a database.</summary>
internal sealed class FakeEngine : IDatabaseEngine
{
    public FakeEngine(string type = "mysql") => Type = type;

    public string Type { get; }

    public List<(string Username, string Password)> SetCalls { get; } = [];

    public List<(string Username, string Password)> VerifyCalls { get; } = [];

    public List<DatabaseEndpoint> Endpoints { get; } = [];

    /// <summary>Failures to throw from successive SetPasswordAsync calls, then succeed.</summary>
    public Queue<Exception> SetFailures { get; } = new();

    public Queue<Exception> VerifyFailures { get; } = new();

    public Func<CancellationToken, Task>? SetBehaviour { get; set; }

    public async Task SetPasswordAsync(DatabaseEndpoint endpoint, string username, string newPassword, CancellationToken cancellationToken)
    {
        Endpoints.Add(endpoint);
        SetCalls.Add((username, newPassword));
        if (SetBehaviour is not null)
        {
            await SetBehaviour(cancellationToken);
        }

        if (SetFailures.TryDequeue(out var failure))
        {
            throw failure;
        }
    }

    public Task VerifyLoginAsync(DatabaseEndpoint endpoint, Credential login, CancellationToken cancellationToken)
    {
        VerifyCalls.Add((login.Username, login.Password));
        return VerifyFailures.TryDequeue(out var failure) ? Task.FromException(failure) : Task.CompletedTask;
    }
}
