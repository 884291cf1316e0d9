namespace EscRotators.MySql;

/// <summary>Which server speaks the MySQL protocol; each keeps passwords out of its logs differently.</summary>
public enum MySqlServerFlavor
{
    MySql,
    MariaDb,
    AuroraMySql,
}
