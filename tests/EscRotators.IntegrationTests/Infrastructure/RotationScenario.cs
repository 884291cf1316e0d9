using System.Text.Json.Nodes;

namespace EscRotators.IntegrationTests.Infrastructure;

/// <summary>
/// The arrange step the rotation tests share: on one test database, one or two users to rotate and a managing user
/// with the least privilege for them; the events that rotate them; and the postconditions every rotation must meet.
/// Disposing it drops the logins (and disposes the database scope when the scenario opened it).
/// </summary>
public sealed class RotationScenario : IAsyncDisposable
{
    private readonly bool _ownsDatabase;

    private RotationScenario(ITestDatabase db, bool ownsDatabase, TestUser user1, TestUser? user2, TestUser manager)
    {
        Db = db;
        _ownsDatabase = ownsDatabase;
        User1 = user1;
        User2 = user2;
        Manager = manager;
    }

    public ITestDatabase Db { get; }

    /// <summary>The user the Form A events rotate, and Form B's <c>username1</c>.</summary>
    public TestUser User1 { get; }

    /// <summary>Form B's <c>username2</c>; in Form A, a user the rotation must leave alone. Null in a one-user scenario.</summary>
    public TestUser? User2 { get; }

    /// <summary>Form B's <c>username2</c>, for a two-user scenario.</summary>
    public TestUser SecondUser => User2 ?? throw new InvalidOperationException("a one-user scenario has no second user");

    public TestUser Manager { get; }

    /// <summary>One user to rotate and its managing user, on a new scope of <paramref name="engine"/>'s server.</summary>
    public static async Task<RotationScenario> OneUserAsync(DbEngine engine) =>
        await CreateAsync(await TestDatabases.OpenAsync(engine).ConfigureAwait(false), ownsDatabase: true, twoUsers: false).ConfigureAwait(false);

    /// <summary>Two users to rotate and their managing user, on a new scope of <paramref name="engine"/>'s server.</summary>
    public static async Task<RotationScenario> TwoUsersAsync(DbEngine engine) =>
        await CreateAsync(await TestDatabases.OpenAsync(engine).ConfigureAwait(false), ownsDatabase: true, twoUsers: true).ConfigureAwait(false);

    /// <summary>One user and its managing user on <paramref name="db"/>, which the caller keeps and disposes.</summary>
    public static Task<RotationScenario> OneUserAsync(ITestDatabase db) => CreateAsync(db, ownsDatabase: false, twoUsers: false);

    /// <summary>Two users and their managing user on <paramref name="db"/>, which the caller keeps and disposes.</summary>
    public static Task<RotationScenario> TwoUsersAsync(ITestDatabase db) => CreateAsync(db, ownsDatabase: false, twoUsers: true);

    /// <summary>Form A: rotate <see cref="User1"/> from its password to <paramref name="newPassword"/>.</summary>
    public JsonObject FormA(string newPassword, JsonObject? tls = null) =>
        EventJson.FormA(Db, Manager, User1.Name, User1.Password, newPassword, tls);

    /// <summary>Form B over <see cref="User1"/> and <see cref="SecondUser"/>.</summary>
    public JsonObject FormB(JsonNode? state = null, JsonObject? passwordPolicy = null) =>
        EventJson.FormB(Db, Manager, User1.Name, SecondUser.Name, state, passwordPolicy);

    /// <summary>
    /// After a Form A rotation to <paramref name="newPassword"/>: <see cref="User1"/> logs in with it and no longer with
    /// its old password; the second user (if any) and the managing user keep theirs.
    /// </summary>
    public async Task AssertRotatedAsync(string newPassword)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Db.CanLogInAsync(User1.Name, newPassword), Is.True, "the rotated user logs in with newPassword");
            Assert.That(await Db.CanLogInAsync(User1.Name, User1.Password), Is.False, "the rotated user's old password no longer works");
            await AssertOthersUntouchedAsync().ConfigureAwait(false);
        }
    }

    /// <summary>After a refused rotation: every login of the scenario still works with the password it had.</summary>
    public async Task AssertUnchangedAsync()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await Db.CanLogInAsync(User1.Name, User1.Password), Is.True, "the user to rotate keeps its password");
            await AssertOthersUntouchedAsync().ConfigureAwait(false);
        }
    }

    public void Deconstruct(out TestUser user, out TestUser manager)
    {
        user = User1;
        manager = Manager;
    }

    public void Deconstruct(out TestUser user1, out TestUser user2, out TestUser manager)
    {
        user1 = User1;
        user2 = SecondUser;
        manager = Manager;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDatabase)
        {
            await Db.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<RotationScenario> CreateAsync(ITestDatabase db, bool ownsDatabase, bool twoUsers)
    {
        try
        {
            var user1 = await db.CreateUserAsync().ConfigureAwait(false);
            var user2 = twoUsers ? await db.CreateUserAsync().ConfigureAwait(false) : null;
            var manager = await db.CreateManagingUserAsync(user2 is null ? [user1] : [user1, user2]).ConfigureAwait(false);
            return new RotationScenario(db, ownsDatabase, user1, user2, manager);
        }
        catch when (ownsDatabase)
        {
            await db.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task AssertOthersUntouchedAsync()
    {
        if (User2 is { } other)
        {
            Assert.That(await Db.CanLogInAsync(other.Name, other.Password), Is.True, "the other user keeps its password");
        }

        Assert.That(await Db.CanLogInAsync(Manager.Name, Manager.Password), Is.True, "the managing user keeps its password");
    }
}
