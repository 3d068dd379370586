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
}
