namespace Billing.Tests.Subscriptions;

/// <summary>Demo mode end to end: the real database and queue, and not one call to Stripe.</summary>
public sealed class DemoModeTests(DemoFakeStripeHost fixture) : IClassFixture<DemoFakeStripeHost>, IDisposable
{
    private readonly FakeStripe _stripe = fixture.Stripe;
    private readonly DemoFakeStripeHost fixture = fixture;
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, string? body = null) =>
        await Api.JsonAsync(await _client.SendAsync(Api.Request(method, $"/api/v1/billing/{path}", token, body)), HttpStatusCode.OK);

    [Fact]
    public async Task Demo_checkout_returns_the_success_url_and_subscribes_through_the_queue_without_calling_stripe()
    {
        var token = TestTokens.For(Guid.NewGuid());

        var checkout = await SendAsync(HttpMethod.Post, "checkout", token, """{"plan_tier":"enterprise","success_url":"http://localhost:3000/welcome"}""");

        var sessionId = checkout.GetProperty("session_id").GetString()!;
        Assert.StartsWith("demo_cs_", sessionId);
        Assert.Equal($"http://localhost:3000/welcome?session_id={sessionId}", checkout.GetProperty("checkout_url").GetString());

        var subscription = await Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token),
            s => s.GetProperty("plan_tier").GetString() == "enterprise", TimeSpan.FromSeconds(10));

        Assert.Equal("enterprise", subscription.GetProperty("plan_tier").GetString());
        Assert.True(subscription.GetProperty("demo_mode").GetBoolean());
        Assert.StartsWith("demo_cus_", subscription.GetProperty("stripe_customer_id").GetString());

        var portal = await SendAsync(HttpMethod.Post, "portal", token, """{"return_url":"http://localhost:3000/account"}""");
        Assert.Equal("http://localhost:3000/account", portal.GetProperty("portal_url").GetString());

        var invoices = await SendAsync(HttpMethod.Get, "invoices", token);
        var invoice = Assert.Single(invoices.GetProperty("invoices").EnumerateArray());
        Assert.Equal(49_900, invoice.GetProperty("amount_paid").GetInt64());

        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task Demo_yearly_checkout_is_a_yearly_plan_with_a_one_month_usage_period()
    {
        var token = TestTokens.For(Guid.NewGuid());

        await SendAsync(HttpMethod.Post, "checkout", token, """{"plan_tier":"pro","interval":"year"}""");

        var subscription = await Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token),
            s => s.GetProperty("plan_tier").GetString() == "pro", TimeSpan.FromSeconds(10));
        Assert.Equal("year", subscription.GetProperty("billing_interval").GetString());
        var start = subscription.GetProperty("billing_period_start").GetDateTimeOffset();
        Assert.Equal(start.AddMonths(1), subscription.GetProperty("billing_period_end").GetDateTimeOffset());

        var invoice = Assert.Single((await SendAsync(HttpMethod.Get, "invoices", token)).GetProperty("invoices").EnumerateArray());
        Assert.Equal(99_000, invoice.GetProperty("amount_paid").GetInt64());
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task Demo_checkout_in_won_ends_with_a_won_invoice_in_whole_won()
    {
        var token = TestTokens.For(Guid.NewGuid());

        await SendAsync(HttpMethod.Post, "checkout", token, """{"plan_tier":"pro","currency":"krw","locale":"ko"}""");

        var subscription = await Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token),
            s => s.GetProperty("plan_tier").GetString() == "pro", TimeSpan.FromSeconds(10));
        Assert.Equal("krw", subscription.GetProperty("currency").GetString());
        var invoice = Assert.Single((await SendAsync(HttpMethod.Get, "invoices", token)).GetProperty("invoices").EnumerateArray());
        Assert.Equal("krw", invoice.GetProperty("currency").GetString());
        Assert.Equal(129_000, invoice.GetProperty("amount_paid").GetInt64());

        // A plan change is previewed in the currency the subscription bills in.
        var preview = await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=enterprise", token);
        Assert.Equal("krw", preview.GetProperty("currency").GetString());
        Assert.Equal(649_000, preview.GetProperty("next_amount").GetInt64());
        Assert.Empty(_stripe.Requests);
    }

    [Fact]
    public async Task Demo_invoices_never_predate_the_demo_subscription()
    {
        var tenant = Guid.NewGuid();
        var token = TestTokens.For(tenant);
        await SendAsync(HttpMethod.Get, "subscription", token); // the tenant exists from here, on the free plan
        await Db.ExecuteAsync(fixture.Environment.SharedDatabase,
            "UPDATE tenants SET created_at = created_at - interval '7 months' WHERE id = $1", tenant);
        var beforeCheckout = DateTimeOffset.UtcNow.AddSeconds(-1);

        await SendAsync(HttpMethod.Post, "checkout", token, """{"plan_tier":"pro"}""");
        await Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token),
            s => s.GetProperty("plan_tier").GetString() == "pro", TimeSpan.FromSeconds(10));

        var invoices = (await SendAsync(HttpMethod.Get, "invoices?limit=100", token)).GetProperty("invoices").EnumerateArray().ToList();
        var invoice = Assert.Single(invoices);
        Assert.True(invoice.GetProperty("created").GetDateTimeOffset() >= beforeCheckout, invoice.ToString());
        Assert.True(invoice.GetProperty("period_start").GetDateTimeOffset() >= beforeCheckout, invoice.ToString());
    }

    [Fact]
    public async Task Demo_checkout_events_never_tie_so_demo_mode_never_needs_stripe_to_order_them()
    {
        var tenant = Guid.NewGuid();
        var token = TestTokens.For(tenant);
        await SendAsync(HttpMethod.Post, "checkout", token, """{"plan_tier":"pro"}""");
        await Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token),
            s => s.GetProperty("plan_tier").GetString() == "pro", TimeSpan.FromSeconds(10));

        var database = fixture.Host.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["BILLING_DATABASE"]!;
        // The plan shows once the subscription's event is applied; the checkout's may still be on the queue: wait for both.
        var events = await Eventually.ValueAsync(() => Db.ScalarAsync<string>(database,
            """
            SELECT string_agg(event_type || ':' || (payload->>'created') || ':' || outcome, ',' ORDER BY event_type)
            FROM webhook_events WHERE payload->'data'->'object'->'metadata'->>'tenant_id' = $1 AND outcome IS NOT NULL
            """, tenant.ToString()), e => e?.Split(',').Length == 2, TimeSpan.FromSeconds(10));

        // Two events of one second, but of different ranks (a checkout completes before its subscription is created): never a tie.
        var parts = events!.Split(',').Select(e => e.Split(':')).ToList();
        Assert.Equal(["checkout.session.completed", "customer.subscription.created"], parts.Select(p => p[0]));
        Assert.All(parts, p => Assert.Equal("applied", p[2]));
    }

    [Fact]
    public async Task Demo_tenant_on_free_is_refused_at_the_limit_until_a_demo_upgrade_to_pro()
    {
        var token = TestTokens.For(Guid.NewGuid());
        await SendAsync(HttpMethod.Post, "usage/escrows/consume", token, """{"quantity":5}"""); // the free plan: 5 escrows

        var refused = await Api.ProblemAsync(await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/escrows/consume", token, """{"quantity":1}""")),
            HttpStatusCode.PaymentRequired, "plan_limit_exceeded");
        Assert.Equal(5, refused.GetProperty("limit").GetInt64());

        await SendAsync(HttpMethod.Post, "checkout", token, """{"plan_tier":"pro"}""");
        await Eventually.ValueAsync(() => SendAsync(HttpMethod.Get, "subscription", token),
            s => s.GetProperty("plan_tier").GetString() == "pro", TimeSpan.FromSeconds(10));

        // The same consume now succeeds, against Pro's limit in the period the demo subscription started.
        var consumed = await SendAsync(HttpMethod.Post, "usage/escrows/consume", token, """{"quantity":1}""");
        Assert.Equal(1, consumed.GetProperty("used").GetInt64());
        Assert.Equal(100, consumed.GetProperty("limit").GetInt64());
        Assert.Empty(_stripe.Requests);
    }
}
