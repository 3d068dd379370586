namespace Billing.Tests.Subscriptions;

/// <summary>A fake Stripe and a DevHost with <c>STRIPE_TRIAL_DAYS=14</c>.</summary>
public sealed class TrialFakeStripeHost : FakeStripeHost
{
    protected override Dictionary<string, string?> Settings(FakeStripe stripe)
    {
        var settings = base.Settings(stripe);
        settings["STRIPE_TRIAL_DAYS"] = "14";
        return settings;
    }
}

/// <summary>A tenant's first subscription starts with the trial; a tenant that had one gets none.</summary>
public sealed class TrialCheckoutTests(TrialFakeStripeHost fixture) : IClassFixture<TrialFakeStripeHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    private async Task<StripeRequest> CheckoutAsync(Guid tenant)
    {
        await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/checkout", TestTokens.For(tenant), """{"plan_tier":"pro"}""")),
            HttpStatusCode.OK);
        return fixture.Stripe.RequestsTo("/v1/checkout/sessions").Last(r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
    }

    [Fact]
    public async Task First_subscription_gets_the_trial_which_cancels_without_a_card()
    {
        var session = await CheckoutAsync(Guid.NewGuid());

        Assert.Equal("14", session.Form["subscription_data[trial_period_days]"]);
        Assert.Equal("cancel", session.Form["subscription_data[trial_settings][end_behavior][missing_payment_method]"]);
    }

    [Fact]
    public async Task Tenant_that_had_a_subscription_gets_no_trial()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(fixture.Environment.SharedDatabase, tenant, "free");
        await Db.ExecuteAsync(fixture.Environment.SharedDatabase,
            """
            INSERT INTO subscriptions (id, tenant_id, plan_tier, status, cancel_at_period_end, ended, created_at, updated_at)
            VALUES ($1, $2, 'pro', 'canceled', false, true, now(), now())
            """, StripeEvents.NewId("sub"), tenant);

        var session = await CheckoutAsync(tenant);

        Assert.False(session.Form.ContainsKey("subscription_data[trial_period_days]"));
        Assert.False(session.Form.ContainsKey("subscription_data[trial_settings][end_behavior][missing_payment_method]"));
    }
}
