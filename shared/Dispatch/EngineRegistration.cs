using EscRotators.Engines;

namespace EscRotators.Dispatch;

/// <summary>An engine the dispatcher serves, with what its requests must carry.</summary>
/// <param name="Engine">Serves events whose <c>type</c> is <see cref="IDatabaseEngine.Type"/>.</param>
/// <param name="RequiresDatabase">
/// Whether <c>database</c> is required: PostgreSQL logs in to a database; MySQL's <c>ALTER USER</c> needs none.
/// </param>
public sealed record EngineRegistration(IDatabaseEngine Engine, bool RequiresDatabase);
