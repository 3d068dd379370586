namespace Billing.Tests.Subscriptions;

/// <summary>A tenant has at most one Checkout Session that can be paid: two tabs or a double click never pay twice.</summary>
public sealed class OneOpenCheckoutTests(FakeStripeHost fixture) : FakeStripeHostTests(fixture)
{
    private Task<HttpResponseMessage> CheckoutAsync(Guid tenant, string tier = "pro") =>
        Client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/checkout", TestTokens.For(tenant), $$"""{"plan_tier":"{{tier}}"}"""));

    private async Task<string> OpenAsync(Guid tenant, string tier = "pro") =>
        (await Api.JsonAsync(await CheckoutAsync(tenant, tier), HttpStatusCode.OK)).GetProperty("session_id").GetString()!;

    [Fact]
    public async Task New_checkout_expires_the_tenants_previous_open_session_first()
    {
        var tenant = Guid.NewGuid();
        var first = await OpenAsync(tenant);

        var second = await OpenAsync(tenant, "enterprise");

        Assert.Equal("expired", Stripe.SessionStatus(first));
        Assert.Equal("open", Stripe.SessionStatus(second));
        var expire = Assert.Single(Stripe.RequestsTo($"/v1/checkout/sessions/{first}/expire"));
        Assert.False(string.IsNullOrEmpty(expire.IdempotencyKey));
        // The expiry reached Stripe before the new session was asked for.
        var requests = Stripe.Requests.ToList();
        Assert.True(requests.IndexOf(expire) < requests.FindLastIndex(r => r.Path == "/v1/checkout/sessions"
            && r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString()));
    }

    [Fact]
    public async Task Checkout_after_the_previous_session_was_paid_is_409_and_opens_nothing()
    {
        var tenant = Guid.NewGuid();
        var paid = await OpenAsync(tenant);
        Stripe.CompleteSession(paid); // paid, but its webhooks have not arrived yet

        await Api.ProblemAsync(await CheckoutAsync(tenant), HttpStatusCode.Conflict, "already_subscribed");

        Assert.Single(Stripe.CarriedOut("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
        Assert.Equal("complete", Stripe.SessionStatus(paid));
    }

    [Fact]
    public async Task Checkout_after_the_first_was_completed_but_before_its_subscription_arrived_is_409()
    {
        var tenant = Guid.NewGuid();
        var first = await OpenAsync(tenant);
        var customer = await Db.ScalarAsync<string>(Env.SharedDatabase, "SELECT stripe_customer_id FROM tenants WHERE id = $1", tenant);
        var subscription = StripeEvents.NewId("sub");
        var completed = StripeEvents.CheckoutSession(tenant, customer!, subscription);
        completed["id"] = first;
        var body = StripeEvents.Event("checkout.session.completed", completed, DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(Api.SignedWebhook(body))).StatusCode);
        await Eventually.TrueAsync(async () => await Db.ScalarAsync<string>(Env.SharedDatabase,
            "SELECT stripe_subscription_id FROM tenants WHERE id = $1", tenant) == subscription, TimeSpan.FromSeconds(10));

        // The dashboard still says free (the subscription's own events are late), and the user clicks upgrade again.
        await Api.ProblemAsync(await CheckoutAsync(tenant), HttpStatusCode.Conflict, "already_subscribed");

        Assert.Single(Stripe.CarriedOut("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
    }

    [Fact]
    public async Task Previous_session_stripe_will_not_expire_is_409_and_opens_nothing()
    {
        var tenant = Guid.NewGuid();
        var first = await OpenAsync(tenant);
        // Stripe refuses while the session's payment is being confirmed (3-D Secure in progress): it stays open.
        Stripe.FailNext($"/v1/checkout/sessions/{first}/expire", new FakeStripe.Status(400, "invalid_request_error", "This Checkout Session cannot be expired right now."));

        await Api.ProblemAsync(await CheckoutAsync(tenant), HttpStatusCode.Conflict, "checkout_in_progress");

        Assert.Single(Stripe.CarriedOut("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
        Assert.Equal("open", Stripe.SessionStatus(first));
    }

    [Fact]
    public async Task Concurrent_checkouts_of_one_tenant_leave_exactly_one_session_open()
    {
        var tenant = Guid.NewGuid();
        await OpenAsync(tenant);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => CheckoutAsync(tenant)));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{(int)r.StatusCode}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var sessions = Stripe.CarriedOut("/v1/checkout/sessions").Where(r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString()).ToList();
        Assert.True(sessions.Count >= 2, $"{sessions.Count} sessions");
        var open = Stripe.OpenSessionsOf(tenant.ToString());
        Assert.Single(open);
    }
}

/// <summary>A DevHost whose database pool is small (4 connections, 2 s to get one) and a fake Stripe that can be slow.</summary>
public sealed class SmallPoolHost : FakeStripeHost
{
    public const int PoolSize = 4;

    protected override Dictionary<string, string?> Settings(FakeStripe stripe)
    {
        var settings = base.Settings(stripe);
        settings["BILLING_DATABASE"] = new NpgsqlConnectionStringBuilder(Environment.Settings()["BILLING_DATABASE"])
        {
            MaxPoolSize = PoolSize,
            Timeout = 2,
        }.ConnectionString;
        return settings;
    }
}

public sealed class SlowStripeTests(SmallPoolHost fixture) : IClassFixture<SmallPoolHost>, IDisposable
{
    private readonly HttpClient _client = fixture.Host.CreateClient();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Checkouts_waiting_on_a_slow_stripe_hold_no_database_connection()
    {
        const int checkouts = SmallPoolHost.PoolSize * 2;
        var before = fixture.Stripe.RequestsTo("/v1/checkout/sessions").Count();
        fixture.Stripe.FailNext("/v1/checkout/sessions", new FakeStripe.Slow(TimeSpan.FromSeconds(10)), times: checkouts);

        var waiting = Enumerable.Range(0, checkouts).Select(_ => _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/checkout",
            TestTokens.For(Guid.NewGuid()), """{"plan_tier":"pro"}"""))).ToList();
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Stripe.RequestsTo("/v1/checkout/sessions").Count() - before == checkouts),
            TimeSpan.FromSeconds(8));

        // Every checkout is now waiting on Stripe. Had each kept a connection, the pool (half their number) would be
        // empty and these would fail after 2 s with 503 database_unavailable.
        var meterer = TestTokens.For(Guid.NewGuid(), role: "member");
        for (var i = 0; i < 20; i++)
            await Api.JsonAsync(await _client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/usage/api_calls/consume", meterer, """{"quantity":1}""")),
                HttpStatusCode.OK);
        Assert.All(waiting, w => Assert.False(w.IsCompleted, "a checkout finished before Stripe answered"));

        foreach (var response in await Task.WhenAll(waiting))
            await Api.JsonAsync(response, HttpStatusCode.OK);
    }
}
