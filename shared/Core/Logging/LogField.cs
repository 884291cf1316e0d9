namespace EscRotators.Logging;

/// <summary>A structured field of a log line: a string or a whole number. Never pass a secret.</summary>
public readonly record struct LogField
{
    private LogField(string name, string? text, long? number)
    {
        Name = name;
        Text = text;
        Number = number;
    }

    public string Name { get; }

    public string? Text { get; }

    public long? Number { get; }

    public static LogField Of(string name, string? text) => new(name, text, null);

    public static LogField Of(string name, long number) => new(name, null, number);
}
