namespace Billing.Tests.Usage;

/// <summary>Usage tests that call <see cref="UsageService"/> directly (no HTTP) on the shared real database.</summary>
public abstract class UsageServiceTests : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    protected TestEnvironment Env { get; private set; } = null!;
    protected UsageService Usage => _services.GetRequiredService<UsageService>();

    public async Task InitializeAsync()
    {
        Env = await TestEnvironment.GetAsync();
        _services = Env.CreateServices();
    }

    public Task DisposeAsync() => _services.DisposeAsync().AsTask();

    /// <summary>A <see cref="UsageService"/> of its own whose clock starts at <paramref name="now"/>; dispose it with the test.</summary>
    protected UsageOnClock UsageAt(DateTimeOffset now)
    {
        var clock = new FakeTimeProvider(now);
        return new UsageOnClock(Env.CreateServices(clock: clock), clock);
    }

    protected sealed class UsageOnClock(ServiceProvider services, FakeTimeProvider clock) : IAsyncDisposable
    {
        public UsageService Usage { get; } = services.GetRequiredService<UsageService>();
        public FakeTimeProvider Clock { get; } = clock;

        public ValueTask DisposeAsync() => services.DisposeAsync();
    }
}
