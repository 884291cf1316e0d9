namespace EscRotators.UnitTests.Runtime;

/// <summary>
/// The local Runtime API host's command (what scripts/bench.sh drives): JSON lines on stdin are sent as they are
/// read, and --success decides which replies count. The runtime is a small shell script that answers every event
/// with the body <c>null</c>, as a function that returns nothing does.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.SupportedOSPlatform("linux")] // the runtime is a shell script
public sealed class LocalRuntimeCommandTests
{
    private const string NullReplyingRuntime = """
        #!/bin/sh
        # The host stops this shell by its PID only: children must not hold its output pipes open after that.
        exec >/dev/null 2>&1
        api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
        while :; do
          id=$(curl -sS -D - -o /dev/null "$api/invocation/next" | tr -d '\r' | sed -n 's/^[Ll]ambda-[Rr]untime-[Aa]ws-[Rr]equest-[Ii]d: //p')
          [ -n "$id" ] || exit 1
          curl -sS -o /dev/null -X POST --data-binary 'null' "$api/invocation/$id/response" || exit 1
        done
        """;

    private string _directory = null!;
    private string _bootstrap = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("local-runtime-command-").FullName;
        _bootstrap = Path.Combine(_directory, "bootstrap");
        File.WriteAllText(_bootstrap, NullReplyingRuntime.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(_bootstrap, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public async Task Each_stdin_line_is_sent_before_the_next_is_read_and_null_replies_pass_with_success_response()
    {
        var stdout = new ReplyWatchingWriter();
        var report = Path.Combine(_directory, "report.json");
        var command = new LocalRuntimeCommand(Parse("--success", "response", "--report", report), stdout, TextWriter.Null);

        // The second line is only given once the first event's reply is out: a host that read stdin to its end
        // before sending anything would wait here forever (bounded by the timeout below).
        var stdin = new GatedLines("{\"n\":1}", () => stdout.FirstReply, "{\"n\":2}");
        var exitCode = await command.RunAsync(stdin, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(LocalRuntimeCommand.AllOk));
        Assert.That(stdout.Lines, Is.EqualTo(new[] { "null", "null" }));
        var json = await File.ReadAllTextAsync(report);
        Assert.That(json, Does.Contain("\"lastReplyMs\""));
    }

    [Test]
    public async Task A_null_reply_is_not_a_success_by_default_because_the_ESC_protocol_replies_code_200()
    {
        var stdout = new ReplyWatchingWriter();
        var command = new LocalRuntimeCommand(Parse(), stdout, TextWriter.Null);

        var exitCode = await command.RunAsync(new StringReader("{\"n\":1}\n"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(exitCode, Is.EqualTo(LocalRuntimeCommand.SomeReplyNotOk));
        Assert.That(stdout.Lines, Is.EqualTo(new[] { "null" }));
    }

    [TestCase("code200", SuccessCriterion.Code200)]
    [TestCase("response", SuccessCriterion.AnyResponse)]
    public void Success_option_names_the_criterion(string value, SuccessCriterion expected)
    {
        Assert.That(Parse("--success", value).Success, Is.EqualTo(expected));
    }

    [Test]
    public void Success_option_refuses_other_values()
    {
        var parsed = HostCommandLine.Parse(["--bootstrap", "/x", "--success", "200"], out var error);

        Assert.That(parsed, Is.Null);
        Assert.That(error, Does.Contain("--success takes code200 or response"));
    }

    private HostCommandLine Parse(params string[] options)
    {
        var parsed = HostCommandLine.Parse(["--bootstrap", _bootstrap, "--timeout-ms", "20000", .. options], out var error);
        Assert.That(error, Is.Null);
        return parsed!;
    }

    /// <summary>Collects the reply lines and signals the first one.</summary>
    private sealed class ReplyWatchingWriter : StringWriter
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _lines = [];

        public Task FirstReply => _first.Task;

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public override Task WriteLineAsync(string? value)
        {
            lock (_lines)
            {
                _lines.Add(value ?? "");
            }

            _first.TrySetResult();
            return Task.CompletedTask;
        }
    }

    /// <summary>A stdin whose second line becomes readable only once <c>gate</c> completes.</summary>
    private sealed class GatedLines(string first, Func<Task> gate, string second) : TextReader
    {
        private int _read;

        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            switch (_read++)
            {
                case 0:
                    return first;
                case 1:
                    await gate().WaitAsync(cancellationToken).ConfigureAwait(false);
                    return second;
                default:
                    return null;
            }
        }
    }
}
