using System.Net;
using System.Text;

namespace EscRotators.UnitTests.SecretsManager;

/// <summary>
/// An in-memory transport for the client's retry and error tests: answers each request with the next scripted
/// step (a status and body, an exception, or silence until the request is cancelled) and keeps what was sent.
/// </summary>
internal sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly Queue<Func<CancellationToken, Task<HttpResponseMessage>>> _steps = new();

    public List<(HttpRequestMessage Request, string Body)> Received { get; } = [];

    public ScriptedHandler Answer(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        _steps.Enqueue(_ =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/x-amz-json-1.1") };
            foreach (var (name, value) in headers)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }
            return Task.FromResult(response);
        });
        return this;
    }

    public ScriptedHandler Fail(Exception exception)
    {
        _steps.Enqueue(_ => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    public ScriptedHandler Silence()
    {
        _steps.Enqueue(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Received.Add((request, body));
        if (!_steps.TryDequeue(out var step))
        {
            throw new InvalidOperationException($"no scripted answer left for request {Received.Count}");
        }
        return await step(cancellationToken);
    }
}
