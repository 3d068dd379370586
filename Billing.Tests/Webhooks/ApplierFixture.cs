namespace Billing.Tests.Webhooks;

/// <summary>One <see cref="AppServices"/> for a test class, on the shared database, with a clock fixed at <see cref="Now"/>.</summary>
public sealed class ApplierFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    public AppServices App { get; private set; } = null!;
    public TestEnvironment Env => App.Env;
    public FakeStripe Stripe => App.Stripe;
    public ServiceProvider Services => App.Services;

    public async Task InitializeAsync() => App = await AppServices.StartAsync(new FixedNow(Now));

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>A clock that always reads the same time but whose timers run in real time (Stripe retry backoff still ends).</summary>
public sealed class FixedNow(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
