namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The database servers the suite runs against: PostgreSQL, MariaDB and (where Docker runs) MySQL 8; the last two are
/// the rotator's <c>mysql</c> type.
/// </summary>
public enum DbEngine
{
    Postgres,
    MariaDb,
    MySql8,
}
