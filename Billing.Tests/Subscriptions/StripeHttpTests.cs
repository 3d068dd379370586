using Billing.Core.Stripe;
using Stripe;

namespace Billing.Tests.Subscriptions;

/// <summary>The one HttpClient behind Stripe.net: connections that are renewed, and a timeout that fits the retries.</summary>
public sealed class StripeHttpTests(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private readonly TestEnvironment _env = fixture.Env;

    [Fact]
    public async Task Stripe_connections_are_replaced_after_their_pooled_lifetime()
    {
        await using var stripe = await FakeStripe.StartAsync();
        await using var services = _env.CreateServices(
            new Dictionary<string, string?> { ["STRIPE_API_BASE"] = stripe.BaseAddress.ToString() },
            configure: s => s.PostConfigure<StripeOptions>(o => o.PooledConnectionLifetime = TimeSpan.FromMilliseconds(200)));
        var invoices = new InvoiceService(services.GetRequiredService<IStripeClient>());

        // The fake keeps connections alive for minutes; only the client's lifetime makes it open a new one
        // (and resolve the name again).
        var connections = await Eventually.ValueAsync(async () =>
        {
            await invoices.ListAsync(new InvoiceListOptions { Customer = "cus_lifetime" });
            return stripe.RequestsTo("/v1/invoices").Select(r => r.ConnectionId).Distinct().Count();
        }, n => n >= 2, TimeSpan.FromSeconds(10));

        Assert.True(connections >= 2, "Every request went over the same pooled connection");
    }

    [Fact]
    public void Every_attempt_timing_out_still_answers_within_the_retry_budget()
    {
        using var host = WorkerHost.Build();
        var options = host.Services.GetRequiredService<IOptions<StripeOptions>>().Value;

        Assert.True(StripeHttp.WorstCase(options) <= StripeHttp.RetryBudget,
            $"{StripeBillingProvider.MaxAttempts} × {options.NetworkTimeout} + backoff = {StripeHttp.WorstCase(options)} > {StripeHttp.RetryBudget}");
        Assert.True(options.PooledConnectionLifetime > TimeSpan.Zero && options.PooledConnectionLifetime <= TimeSpan.FromMinutes(5),
            $"PooledConnectionLifetime {options.PooledConnectionLifetime}: DNS changes at Stripe would go unseen");
    }
}
