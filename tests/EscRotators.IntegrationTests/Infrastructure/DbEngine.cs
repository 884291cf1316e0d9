namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>The two database families the rotator serves.</summary>
public enum DbEngine
{
    Postgres,
    MySql,
}
