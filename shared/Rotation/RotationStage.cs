namespace EscRotators.Rotation;

/// <summary>Where a rotation stopped, which decides what the failure message can promise.</summary>
public enum RotationStage
{
    /// <summary>Logging in as the managing user and claiming the user: nothing has been changed.</summary>
    Connecting,

    /// <summary>The password statement is on its way: a failure leaves the outcome unknown.</summary>
    SettingPassword,

    /// <summary>The password was changed; logging in with it as the rotated user.</summary>
    VerifyingLogin,
}
