using EscRotators.Adapter;
using EscRotators.Rotation;
using EscRotators.SecretsManager.Rotation;

namespace EscRotators.Composition;

/// <summary>What a host process serves, built once by <see cref="RotatorComposition.CreateHostFromEnvironment"/>.</summary>
/// <param name="Dispatcher">Forms A and B.</param>
/// <param name="Adapter">Form C over HTTPS; null when <c>ESC_ROTATOR_AUDIENCE</c> is unset.</param>
/// <param name="SecretsManager">Secrets Manager's four-step rotation events.</param>
public sealed record RotatorHost(RotationDispatcher Dispatcher, ExternalRotationAdapter? Adapter, SecretsManagerRotationHandler SecretsManager);
