using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Webhooks;

/// <summary>Services on the shared database, a fixed clock, and a fake Stripe to ask when two updates tie.</summary>
public sealed class ApplierFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    public TestEnvironment Env { get; private set; } = null!;
    public FakeStripe Stripe { get; private set; } = null!;
    public ServiceProvider Services { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Env = await TestEnvironment.GetAsync();
        Stripe = await FakeStripe.StartAsync();
        Services = Env.CreateServices(new Dictionary<string, string?> { ["STRIPE_API_BASE"] = Stripe.BaseAddress.ToString() }, new FixedNow(Now));
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}

/// <summary>A clock that always reads the same time but whose timers run in real time (Stripe retry backoff still ends).</summary>
public sealed class FixedNow(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
