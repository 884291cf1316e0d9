namespace EscRotators.Rotation;

/// <summary>Where a rotation stopped; a failure after <see cref="SettingPassword"/> may have changed the password.</summary>
public enum RotationStage
{
    SettingPassword,
    VerifyingLogin,
}
