using Billing.Core.Stripe;

namespace Billing.Tests.Subscriptions;

/// <summary>Stripe that cannot be reached at all: refused connections and requests that never answer.</summary>
public sealed class StripeOutageTests(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private readonly TestEnvironment _env = fixture.Env;

    [Fact]
    public async Task Refused_connection_is_503_stripe_unavailable_over_http()
    {
        var host = await _env.HostAsync(new Dictionary<string, string?> { ["STRIPE_API_BASE"] = $"http://127.0.0.1:{Ports.Free()}" });
        using var client = host.CreateClient();

        var response = await client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/checkout", TestTokens.For(Guid.NewGuid()), """{"plan_tier":"pro"}"""));

        await Api.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "stripe_unavailable");
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Timeouts_are_retried_a_bounded_number_of_times_then_unavailable()
    {
        await using var stripe = await FakeStripe.StartAsync();
        stripe.FailNext("/v1/customers", new FakeStripe.Hang(TimeSpan.FromSeconds(10)), times: 5);
        await using var services = _env.CreateServices(
            new Dictionary<string, string?> { ["STRIPE_API_BASE"] = stripe.BaseAddress.ToString() },
            configure: s => s.PostConfigure<StripeOptions>(o => o.NetworkTimeout = TimeSpan.FromSeconds(2)));
        var checkout = services.GetRequiredService<CheckoutService>();

        var error = await Assert.ThrowsAsync<BillingException>(() => checkout.CreateCheckoutAsync(Guid.NewGuid(), new CheckoutChoice("pro", null, null), default));

        Assert.Equal("stripe_unavailable", error.Code);
        // The fake records a request once it has read the body, which under load can trail the client's timeout.
        var attempts = await Eventually.ValueAsync(() => Task.FromResult(stripe.RequestsTo("/v1/customers").Count()),
            n => n >= StripeBillingProvider.MaxAttempts, TimeSpan.FromSeconds(5));
        Assert.Equal(StripeBillingProvider.MaxAttempts, attempts);
        Assert.Single(stripe.RequestsTo("/v1/customers").Select(r => r.IdempotencyKey).Distinct());
    }
}
