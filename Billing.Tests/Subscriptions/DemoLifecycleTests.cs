namespace Billing.Tests.Subscriptions;

/// <summary>
/// The life of a subscription in demo mode: every call goes through synthetic events on the real queue and the
/// real applier, and not one request reaches Stripe.
/// </summary>
public sealed class DemoLifecycleTests(DemoFakeStripeHost fixture) : IClassFixture<DemoFakeStripeHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, string? body = null) =>
        await Api.JsonAsync(await _client.SendAsync(Api.Request(method, $"/api/v1/billing/{path}", token, body)), HttpStatusCode.OK);

    private Task<JsonElement> SubscriptionWhenAsync(string token, Func<JsonElement, bool> done) =>
        Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token), done, TimeSpan.FromSeconds(15));

    private async Task<string> SubscribedAsync(string tier, string interval = "month")
    {
        var token = TestTokens.For(Guid.NewGuid());
        await SendAsync(HttpMethod.Post, "checkout", token, $$"""{"plan_tier":"{{tier}}","interval":"{{interval}}"}""");
        await SubscriptionWhenAsync(token, s => s.GetProperty("plan_tier").GetString() == tier);
        return token;
    }

    [Fact]
    public async Task Demo_upgrade_is_previewed_and_applied_through_the_queue()
    {
        var token = await SubscribedAsync("pro");

        var preview = await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=enterprise", token);
        Assert.Equal("now", preview.GetProperty("effective").GetString());
        Assert.InRange(preview.GetProperty("amount_due_now").GetInt64(), 39_000, 40_000); // almost the whole period is left
        Assert.Equal(49_900, preview.GetProperty("next_amount").GetInt64());

        var change = await SendAsync(HttpMethod.Post, "subscription/change", token,
            $$"""{"plan_tier":"enterprise","proration_date":"{{preview.GetProperty("proration_date").GetString()}}"}""");
        Assert.Equal("changed", change.GetProperty("status").GetString());

        var after = await SubscriptionWhenAsync(token, s => s.GetProperty("plan_tier").GetString() == "enterprise");
        Assert.Equal("enterprise", after.GetProperty("limits_tier").GetString());
        Assert.Empty(fixture.Stripe.Requests);
    }

    [Fact]
    public async Task Demo_upgrade_of_a_yearly_subscription_is_previewed_at_the_yearly_price_and_stays_yearly()
    {
        var token = await SubscribedAsync("pro", "year");

        var preview = await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=enterprise", token);
        Assert.Equal(499_000, preview.GetProperty("next_amount").GetInt64());
        await SendAsync(HttpMethod.Post, "subscription/change", token, """{"plan_tier":"enterprise"}""");

        var after = await SubscriptionWhenAsync(token, s => s.GetProperty("plan_tier").GetString() == "enterprise");
        Assert.Equal("year", after.GetProperty("billing_interval").GetString());
        Assert.Empty(fixture.Stripe.Requests);
    }

    [Fact]
    public async Task Demo_downgrade_is_scheduled_and_can_be_taken_back()
    {
        var token = await SubscribedAsync("enterprise");

        var change = await SendAsync(HttpMethod.Post, "subscription/change", token, """{"plan_tier":"pro"}""");
        Assert.Equal("scheduled", change.GetProperty("status").GetString());
        var scheduled = await SubscriptionWhenAsync(token, s => s.GetProperty("pending_plan_tier").ValueKind == JsonValueKind.String);
        Assert.Equal("pro", scheduled.GetProperty("pending_plan_tier").GetString());
        Assert.Equal(scheduled.GetProperty("billing_period_end").GetString(), scheduled.GetProperty("pending_change_at").GetString());
        Assert.Equal(change.GetProperty("effective_at").GetString(), scheduled.GetProperty("pending_change_at").GetString());
        Assert.Equal("enterprise", scheduled.GetProperty("plan_tier").GetString());

        Assert.Equal("unchanged", (await SendAsync(HttpMethod.Post, "subscription/change", token, """{"plan_tier":"enterprise"}""")).GetProperty("status").GetString());
        var kept = await SubscriptionWhenAsync(token, s => s.GetProperty("pending_plan_tier").ValueKind == JsonValueKind.Null);
        Assert.Equal(JsonValueKind.Null, kept.GetProperty("pending_change_at").ValueKind);
        Assert.Empty(fixture.Stripe.Requests);
    }

    [Fact]
    public async Task Demo_cancel_shows_when_the_plan_ends_and_resume_takes_it_back()
    {
        var token = await SubscribedAsync("pro");

        var cancel = await SendAsync(HttpMethod.Post, "subscription/cancel", token);
        Assert.Equal("canceling", cancel.GetProperty("status").GetString());
        var canceling = await SubscriptionWhenAsync(token, s => s.GetProperty("cancel_at").ValueKind == JsonValueKind.String);
        Assert.True(canceling.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Equal(canceling.GetProperty("billing_period_end").GetString(), canceling.GetProperty("cancel_at").GetString());

        await SendAsync(HttpMethod.Post, "subscription/resume", token);
        var resumed = await SubscriptionWhenAsync(token, s => s.GetProperty("cancel_at").ValueKind == JsonValueKind.Null);
        Assert.False(resumed.GetProperty("cancel_at_period_end").GetBoolean());
        Assert.Equal("pro", resumed.GetProperty("plan_tier").GetString());
    }
}
