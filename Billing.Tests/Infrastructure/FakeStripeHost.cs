namespace Billing.Tests.Infrastructure;

/// <summary>A fake Stripe and a DevHost pointed at it, started once per test class (xunit class fixture).</summary>
public class FakeStripeHost : IAsyncLifetime
{
    public FakeStripe Stripe { get; private set; } = null!;
    public TestHost Host { get; private set; } = null!;
    public TestEnvironment Environment { get; private set; } = null!;

    protected virtual Dictionary<string, string?> Settings(FakeStripe stripe) =>
        new() { ["STRIPE_API_BASE"] = stripe.BaseAddress.ToString() };

    public async Task InitializeAsync()
    {
        Environment = await TestEnvironment.GetAsync();
        Stripe = await FakeStripe.StartAsync();
        Host = await Environment.HostAsync(Settings(Stripe));
    }

    public async Task DisposeAsync() => await Stripe.DisposeAsync();
}

/// <summary>The same, in demo mode: a key and an API base are configured, but DEMO_MODE wins.</summary>
public sealed class DemoFakeStripeHost : FakeStripeHost
{
    protected override Dictionary<string, string?> Settings(FakeStripe stripe)
    {
        var settings = base.Settings(stripe);
        settings["DEMO_MODE"] = "true";
        return settings;
    }
}
