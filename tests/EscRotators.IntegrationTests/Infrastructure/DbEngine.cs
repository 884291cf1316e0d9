namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>The database servers the suite runs against: PostgreSQL and MariaDB (the rotator's <c>mysql</c> type).</summary>
public enum DbEngine
{
    Postgres,
    MariaDb,
}
