namespace Billing.Tests.Infrastructure;

/// <summary>
/// The base of the test classes whose code under test reads whole tables (timers, sweeps): each test gets the app's
/// services on a database of its own, at <paramref name="now"/>.
/// </summary>
public abstract class OwnDatabaseTests(DateTimeOffset now) : IAsyncLifetime
{
    protected AppServices App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await AppServices.StartAsync(new FakeTimeProvider(now), ownDatabase: true);

    public async Task DisposeAsync() => await App.DisposeAsync();
}
