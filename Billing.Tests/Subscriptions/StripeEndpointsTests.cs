namespace Billing.Tests.Subscriptions;

/// <summary>Checkout, portal and invoices over HTTP through DevHost, against a fake Stripe that checks what we send.</summary>
public sealed class StripeEndpointsTests(FakeStripeHost fixture) : FakeStripeHostTests(fixture)
{
    private Task<HttpResponseMessage> PostAsync(string path, string token, string body) =>
        Client.SendAsync(Api.Request(HttpMethod.Post, $"/api/v1/billing/{path}", token, body));

    private Task<HttpResponseMessage> GetAsync(string path, string token) =>
        Client.SendAsync(Api.Request(HttpMethod.Get, $"/api/v1/billing/{path}", token));

    [Fact]
    public async Task Checkout_creates_the_customer_then_a_subscription_session_with_everything_stripe_needs()
    {
        var tenant = Guid.NewGuid();
        var response = await PostAsync("checkout", TestTokens.For(tenant), """{"plan_tier":"pro"}""");
        var body = await Api.JsonAsync(response, HttpStatusCode.OK);

        var customer = Assert.Single(Stripe.RequestsTo("/v1/customers"), r => r.Form.GetValueOrDefault("metadata[tenant_id]") == tenant.ToString());
        Assert.False(string.IsNullOrEmpty(customer.IdempotencyKey));
        Assert.StartsWith("Bearer sk_test_", customer.Authorization);
        Assert.Equal(FakeStripe.ApiVersion, customer.StripeVersion);

        var session = Assert.Single(Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
        Assert.Equal("subscription", session.Form["mode"]);
        Assert.Equal("price_test_pro", session.Form["line_items[0][price]"]);
        Assert.Equal("1", session.Form["line_items[0][quantity]"]);
        Assert.Equal(tenant.ToString(), session.Form["subscription_data[metadata][tenant_id]"]);
        Assert.StartsWith(TestEnvironment.FrontendOrigin + "/", session.Form["success_url"]);
        Assert.Contains("{CHECKOUT_SESSION_ID}", session.Form["success_url"]);
        Assert.StartsWith(TestEnvironment.FrontendOrigin + "/", session.Form["cancel_url"]);
        Assert.False(string.IsNullOrEmpty(session.IdempotencyKey));
        Assert.NotEqual(customer.IdempotencyKey, session.IdempotencyKey);

        var customerId = await Db.ScalarAsync<string>(Env.SharedDatabase, "SELECT stripe_customer_id FROM tenants WHERE id = $1", tenant);
        Assert.Equal(customerId, session.Form["customer"]);
        Assert.StartsWith("https://checkout.stripe.com/", body.GetProperty("checkout_url").GetString());
        Assert.StartsWith("cs_test_", body.GetProperty("session_id").GetString());
    }

    [Fact]
    public async Task Second_checkout_reuses_the_customer()
    {
        var tenant = Guid.NewGuid();
        await Api.JsonAsync(await PostAsync("checkout", TestTokens.For(tenant), """{"plan_tier":"pro"}"""), HttpStatusCode.OK);
        await Api.JsonAsync(await PostAsync("checkout", TestTokens.For(tenant), """{"plan_tier":"enterprise","success_url":"http://localhost:3000/done?x=1"}"""), HttpStatusCode.OK);

        Assert.Single(Stripe.RequestsTo("/v1/customers"), r => r.Form.GetValueOrDefault("metadata[tenant_id]") == tenant.ToString());
        var second = Stripe.RequestsTo("/v1/checkout/sessions").Last(r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
        Assert.Equal("price_test_enterprise", second.Form["line_items[0][price]"]);
        Assert.Equal("http://localhost:3000/done?x=1&session_id={CHECKOUT_SESSION_ID}", second.Form["success_url"]);
    }

    [Fact]
    public async Task Customer_is_created_exactly_once_under_two_concurrent_checkouts()
    {
        var tenant = Guid.NewGuid();
        var token = TestTokens.For(tenant);
        await GetAsync("subscription", token); // the tenant row exists before the race

        var responses = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => PostAsync("checkout", token, """{"plan_tier":"pro"}""")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // Both may ask Stripe (nothing is locked while Stripe answers), under one idempotency key: Stripe makes one customer.
        Assert.Single(Stripe.RequestsTo("/v1/customers").Where(r => r.Form.GetValueOrDefault("metadata[tenant_id]") == tenant.ToString())
            .Select(r => r.IdempotencyKey).Distinct());
        Assert.Single(Stripe.CarriedOut("/v1/customers"), r => r.Form.GetValueOrDefault("metadata[tenant_id]") == tenant.ToString());
        var customers = Stripe.RequestsTo("/v1/checkout/sessions").Where(r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString())
            .Select(r => r.Form["customer"]).Distinct();
        Assert.Single(customers);
    }

    [Theory]
    [InlineData("""{"plan_tier":"free"}""", "plan_tier")]
    [InlineData("""{"plan_tier":"gold"}""", "plan_tier")]
    [InlineData("""{}""", "plan_tier")]
    [InlineData("""{"plan_tier":"pro","success_url":"https://evil.example/phish"}""", "success_url")]
    [InlineData("""{"plan_tier":"pro","cancel_url":"javascript:alert(1)"}""", "cancel_url")]
    [InlineData("""{"plan_tier":"pro","success_url":"http://localhost:3000@evil.example/"}""", "success_url")]
    [InlineData("""{"plan_tier":"pro","success_url":"/relative"}""", "success_url")]
    [InlineData("""{"plan_tier":7}""", "plan_tier")]
    public async Task Checkout_with_a_bad_field_is_400_naming_it(string body, string field)
    {
        var problem = await Api.ProblemAsync(await PostAsync("checkout", TestTokens.For(Guid.NewGuid()), body), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Checkout_for_a_tenant_with_a_live_paid_subscription_is_409()
    {
        var tenant = await TenantWithCustomerAsync("cus_existing_" + Guid.NewGuid().ToString("N"), tier: "pro");

        await Api.ProblemAsync(await PostAsync("checkout", TestTokens.For(tenant), """{"plan_tier":"enterprise"}"""), HttpStatusCode.Conflict, "already_subscribed");
        Assert.DoesNotContain(Stripe.Requests, r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
    }

    [Fact]
    public async Task Member_cannot_start_a_checkout()
    {
        await Api.ProblemAsync(await PostAsync("checkout", TestTokens.For(Guid.NewGuid(), role: "member"), """{"plan_tier":"pro"}"""),
            HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Portal_without_a_customer_is_409_no_billing_account()
    {
        await Api.ProblemAsync(await PostAsync("portal", TestTokens.For(Guid.NewGuid()), "{}"), HttpStatusCode.Conflict, "no_billing_account");
    }

    [Fact]
    public async Task Portal_opens_a_billing_portal_session_for_the_tenants_customer()
    {
        var customer = "cus_portal_" + Guid.NewGuid().ToString("N");
        var tenant = await TenantWithCustomerAsync(customer, tier: "pro");

        var body = await Api.JsonAsync(await PostAsync("portal", TestTokens.For(tenant), """{"return_url":"http://localhost:3000/settings/billing"}"""), HttpStatusCode.OK);

        var request = Assert.Single(Stripe.RequestsTo("/v1/billing_portal/sessions"), r => r.Form.GetValueOrDefault("customer") == customer);
        Assert.Equal("http://localhost:3000/settings/billing", request.Form["return_url"]);
        Assert.False(string.IsNullOrEmpty(request.IdempotencyKey));
        Assert.StartsWith("https://billing.stripe.com/", body.GetProperty("portal_url").GetString());
    }

    [Fact]
    public async Task Invoices_without_a_customer_are_an_empty_list_without_asking_stripe()
    {
        var before = Stripe.RequestsTo("/v1/invoices").Count();
        var body = await Api.JsonAsync(await GetAsync("invoices", TestTokens.For(Guid.NewGuid())), HttpStatusCode.OK);

        Assert.Empty(body.GetProperty("invoices").EnumerateArray());
        Assert.False(body.GetProperty("has_more").GetBoolean());
        Assert.Equal(before, Stripe.RequestsTo("/v1/invoices").Count());
    }

    [Fact]
    public async Task Invoices_are_mapped_and_paged_like_stripe()
    {
        var customer = "cus_inv_" + Guid.NewGuid().ToString("N");
        var tenant = await TenantWithCustomerAsync(customer, tier: "pro");
        Stripe.AddInvoices(customer, 3);

        var first = await Api.JsonAsync(await GetAsync("invoices?limit=2", TestTokens.For(tenant)), HttpStatusCode.OK);
        var invoices = first.GetProperty("invoices").EnumerateArray().ToList();
        Assert.Equal(2, invoices.Count);
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var invoice = invoices[0];
        Assert.StartsWith("in_fake", invoice.GetProperty("id").GetString());
        Assert.Equal("FAKE-0001", invoice.GetProperty("number").GetString());
        Assert.Equal("paid", invoice.GetProperty("status").GetString());
        Assert.Equal(9900, invoice.GetProperty("amount_due").GetInt64());
        Assert.Equal(9900, invoice.GetProperty("amount_paid").GetInt64());
        Assert.Equal("usd", invoice.GetProperty("currency").GetString());
        Assert.EndsWith("Z", invoice.GetProperty("created").GetString());
        Assert.True(invoice.GetProperty("period_end").GetDateTimeOffset() > invoice.GetProperty("period_start").GetDateTimeOffset());
        Assert.StartsWith("https://invoice.stripe.com/", invoice.GetProperty("hosted_invoice_url").GetString());
        Assert.EndsWith("/pdf", invoice.GetProperty("invoice_pdf").GetString());

        var last = invoices[1].GetProperty("id").GetString();
        var second = await Api.JsonAsync(await GetAsync($"invoices?limit=2&starting_after={last}", TestTokens.For(tenant)), HttpStatusCode.OK);
        Assert.Single(second.GetProperty("invoices").EnumerateArray());
        Assert.False(second.GetProperty("has_more").GetBoolean());

        var sent = Stripe.RequestsTo("/v1/invoices").Last(r => r.Query.GetValueOrDefault("customer") == customer);
        Assert.Equal(last, sent.Query["starting_after"]);
        Assert.Equal("2", sent.Query["limit"]);
    }

    [Fact]
    public async Task Invoices_default_to_ten()
    {
        var customer = "cus_ten_" + Guid.NewGuid().ToString("N");
        var tenant = await TenantWithCustomerAsync(customer, tier: "pro");

        await Api.JsonAsync(await GetAsync("invoices", TestTokens.For(tenant)), HttpStatusCode.OK);

        Assert.Equal("10", Stripe.RequestsTo("/v1/invoices").Last(r => r.Query.GetValueOrDefault("customer") == customer).Query["limit"]);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=-5", "limit")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("starting_after=cus_123", "starting_after")]
    [InlineData("starting_after=in_%27%3B--", "starting_after")]
    public async Task Invoices_with_a_bad_query_are_400(string query, string field)
    {
        var problem = await Api.ProblemAsync(await GetAsync($"invoices?{query}", TestTokens.For(Guid.NewGuid())), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Stripe_5xx_is_retried_three_times_with_one_idempotency_key_then_503()
    {
        var tenant = Guid.NewGuid();
        await Api.JsonAsync(await PostAsync("checkout", TestTokens.For(tenant), """{"plan_tier":"pro"}"""), HttpStatusCode.OK); // customer exists now
        Stripe.FailNext("/v1/checkout/sessions", new FakeStripe.Status(500), times: 3);

        var response = await PostAsync("checkout", TestTokens.For(tenant), """{"plan_tier":"pro"}""");

        var problem = await Api.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "stripe_unavailable");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.DoesNotContain("Something went wrong on Stripe", problem.GetRawText());
        var attempts = Stripe.RequestsTo("/v1/checkout/sessions").Where(r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString()).Skip(1).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(a => a.IdempotencyKey).Distinct());
    }

    [Fact]
    public async Task Stripe_429_then_success_is_retried_and_succeeds()
    {
        var customer = "cus_rate_" + Guid.NewGuid().ToString("N");
        var tenant = await TenantWithCustomerAsync(customer);
        Stripe.FailNext("/v1/billing_portal/sessions", new FakeStripe.Status(429, "rate_limit_error", "Too many requests"), times: 2);

        await Api.JsonAsync(await PostAsync("portal", TestTokens.For(tenant), "{}"), HttpStatusCode.OK);

        var attempts = Stripe.RequestsTo("/v1/billing_portal/sessions").Where(r => r.Form.GetValueOrDefault("customer") == customer).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(a => a.IdempotencyKey).Distinct());
    }

    [Fact]
    public async Task Dropped_connections_are_retried_then_503()
    {
        var customer = "cus_drop_" + Guid.NewGuid().ToString("N");
        var tenant = await TenantWithCustomerAsync(customer);
        Stripe.FailNext("/v1/billing_portal/sessions", new FakeStripe.Drop(), times: 3);

        var response = await PostAsync("portal", TestTokens.For(tenant), "{}");

        await Api.ProblemAsync(response, HttpStatusCode.ServiceUnavailable, "stripe_unavailable");
        Assert.Equal(3, Stripe.RequestsTo("/v1/billing_portal/sessions").Count(r => r.Form.GetValueOrDefault("customer") == customer));
    }

    [Fact]
    public async Task Stripe_4xx_is_502_without_stripes_message_and_not_retried()
    {
        var customer = "cus_bad_" + Guid.NewGuid().ToString("N");
        var tenant = await TenantWithCustomerAsync(customer);
        Stripe.FailNext("/v1/billing_portal/sessions", new FakeStripe.Status(400, "invalid_request_error", "No such customer: secret-detail"));

        var problem = await Api.ProblemAsync(await PostAsync("portal", TestTokens.For(tenant), "{}"), HttpStatusCode.BadGateway, "stripe_error");

        Assert.DoesNotContain("secret-detail", problem.GetRawText());
        Assert.Single(Stripe.RequestsTo("/v1/billing_portal/sessions"), r => r.Form.GetValueOrDefault("customer") == customer);
    }
}
