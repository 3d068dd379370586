using System.Net.Http.Headers;

namespace Billing.Tests.Subscriptions;

/// <summary>
/// Change plan, preview, cancel and resume over HTTP through DevHost, against the fake Stripe: what we ask Stripe
/// (every parameter one Stripe defines) and what we answer. The tenant's row is the webhook pipeline's to change.
/// </summary>
public sealed class SubscriptionLifecycleTests(FakeStripeHost fixture) : FakeStripeHostTests(fixture)
{
    private const string Pro = "price_test_pro";
    private const string Enterprise = "price_test_enterprise";

    private sealed record Subscribed(Guid Tenant, string Token, string Customer, string Subscription, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);

    /// <summary>A tenant on <paramref name="tier"/> as the webhook pipeline leaves it, and the same subscription in the fake Stripe.</summary>
    private async Task<Subscribed> SubscribedAsync(string tier)
    {
        var tenant = Guid.NewGuid();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-10).ToUnixTimeSeconds());
        var end = start.AddMonths(1);
        await Db.SeedTenantAsync(Env.SharedDatabase, tenant, tier, start, end);
        await Db.ExecuteAsync(Env.SharedDatabase,
            "UPDATE tenants SET stripe_customer_id = $2, stripe_subscription_id = $3, limits_tier = plan_tier WHERE id = $1", tenant, customer, subscription);
        await Db.ExecuteAsync(Env.SharedDatabase,
            """
            INSERT INTO subscriptions (id, tenant_id, customer_id, plan_tier, status, cancel_at_period_end, period_start, period_end, ended, created_at, updated_at)
            VALUES ($1, $2, $3, $4, 'active', false, $5, $6, false, now(), now())
            """, subscription, tenant, customer, tier, start, end);
        Stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, subscription, tier == "pro" ? Pro : Enterprise, start, end));
        return new Subscribed(tenant, TestTokens.For(tenant), customer, subscription, start, end);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? body = null, string? idempotencyKey = null)
    {
        var request = Api.Request(method, $"/api/v1/billing/{path}", token, body);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return Client.SendAsync(request);
    }

    /// <summary>A form POST straight to the fake Stripe, as Stripe.net would send it, for what our code never sends.</summary>
    private async Task<HttpResponseMessage> PostToStripeAsync(string path, string form)
    {
        using var client = new HttpClient { BaseAddress = Stripe.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk_test_fake");
        request.Headers.Add("Stripe-Version", FakeStripe.ApiVersion);
        return await client.SendAsync(request);
    }

    private IEnumerable<StripeRequest> PreviewsOf(string subscription) =>
        Stripe.RequestsTo("/v1/invoices/create_preview").Where(r => r.Form.GetValueOrDefault("subscription") == subscription);

    [Fact]
    public async Task Upgrade_preview_shows_what_stripe_charges_now_and_next_with_the_proration_date_it_used()
    {
        var s = await SubscribedAsync("pro");

        var preview = await Api.JsonAsync(await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=enterprise", s.Token), HttpStatusCode.OK);

        Assert.Equal("enterprise", preview.GetProperty("plan_tier").GetString());
        Assert.Equal("now", preview.GetProperty("effective").GetString());
        var prorationDate = preview.GetProperty("proration_date").GetDateTimeOffset();
        Assert.Equal(prorationDate, preview.GetProperty("effective_at").GetDateTimeOffset());
        var now = PreviewsOf(s.Subscription).Single(r => r.Form["subscription_details[proration_behavior]"] == "always_invoice");
        Assert.Equal(prorationDate.ToUnixTimeSeconds().ToString(), now.Form["subscription_details[proration_date]"]);
        Assert.Equal(Enterprise, now.Form["subscription_details[items][0][price]"]);
        Assert.Equal(s.Customer, now.Form["customer"]);
        var next = PreviewsOf(s.Subscription).Single(r => r.Form["subscription_details[proration_behavior]"] == "none");
        Assert.False(next.Form.ContainsKey("subscription_details[proration_date]"));

        // The fake prorates like Stripe: the difference for the 2/3 or so of the period left.
        var expected = (long)Math.Round((49_900 - 9_900) * (s.PeriodEnd - prorationDate).TotalSeconds / (s.PeriodEnd - s.PeriodStart).TotalSeconds);
        Assert.Equal(expected, preview.GetProperty("amount_due_now").GetInt64());
        Assert.Equal(49_900, preview.GetProperty("next_amount").GetInt64());
        Assert.Equal("usd", preview.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task Downgrade_preview_takes_effect_at_period_end_and_charges_nothing_now()
    {
        var s = await SubscribedAsync("enterprise");

        var preview = await Api.JsonAsync(await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=pro", s.Token), HttpStatusCode.OK);

        Assert.Equal("period_end", preview.GetProperty("effective").GetString());
        Assert.Equal(s.PeriodEnd, preview.GetProperty("effective_at").GetDateTimeOffset());
        Assert.Equal(0, preview.GetProperty("amount_due_now").GetInt64());
        Assert.Equal(9_900, preview.GetProperty("next_amount").GetInt64());
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("proration_date").ValueKind);
        Assert.Single(PreviewsOf(s.Subscription));
    }

    [Fact]
    public async Task Preview_and_change_without_a_paid_subscription_are_409_and_the_current_tier_has_no_preview()
    {
        var free = TestTokens.For(Guid.NewGuid());
        await Api.ProblemAsync(await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=pro", free), HttpStatusCode.Conflict, "no_subscription");
        await Api.ProblemAsync(await SendAsync(HttpMethod.Post, "subscription/change", free, """{"plan_tier":"pro"}"""), HttpStatusCode.Conflict, "no_subscription");
        await Api.ProblemAsync(await SendAsync(HttpMethod.Post, "subscription/cancel", free), HttpStatusCode.Conflict, "no_subscription");
        await Api.ProblemAsync(await SendAsync(HttpMethod.Post, "subscription/resume", free), HttpStatusCode.Conflict, "no_subscription");

        var s = await SubscribedAsync("pro");
        await Api.ProblemAsync(await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=pro", s.Token), HttpStatusCode.Conflict, "plan_unchanged");
        var invalid = await Api.ProblemAsync(await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=free", s.Token), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(invalid.GetProperty("errors").TryGetProperty("plan_tier", out _));
        Assert.Empty(PreviewsOf(s.Subscription));
    }

    [Fact]
    public async Task Upgrade_changes_the_price_now_and_invoices_the_proration_at_the_previewed_date()
    {
        var s = await SubscribedAsync("pro");
        var preview = await Api.JsonAsync(await SendAsync(HttpMethod.Get, "subscription/change-preview?plan_tier=enterprise", s.Token), HttpStatusCode.OK);
        var prorationDate = preview.GetProperty("proration_date").GetString();

        var change = await Api.JsonAsync(await SendAsync(HttpMethod.Post, "subscription/change", s.Token,
            $$"""{"plan_tier":"enterprise","proration_date":"{{prorationDate}}"}"""), HttpStatusCode.OK);

        Assert.Equal("changed", change.GetProperty("status").GetString());
        Assert.False(change.TryGetProperty("hosted_invoice_url", out _));
        var update = Assert.Single(Stripe.RequestsTo($"/v1/subscriptions/{s.Subscription}"), r => r.Method == "POST");
        Assert.Equal(Enterprise, update.Form["items[0][price]"]);
        Assert.Equal((string)Stripe.Subscription(s.Subscription)!["items"]!["data"]![0]!["id"]!, update.Form["items[0][id]"]);
        Assert.Equal("always_invoice", update.Form["proration_behavior"]);
        Assert.Equal("pending_if_incomplete", update.Form["payment_behavior"]);
        Assert.Equal(DateTimeOffset.Parse(prorationDate!).ToUnixTimeSeconds().ToString(), update.Form["proration_date"]);
        Assert.False(string.IsNullOrEmpty(update.IdempotencyKey));
        Assert.Equal(Enterprise, (string)Stripe.Subscription(s.Subscription)!["items"]!["data"]![0]!["price"]!["id"]!);
        // The tenant's row is the webhook pipeline's: it changes when Stripe's events arrive, not here.
        Assert.Equal("pro", await Db.ScalarAsync<string>(Env.SharedDatabase, "SELECT plan_tier FROM tenants WHERE id = $1", s.Tenant));
    }

    [Fact]
    public async Task Upgrade_whose_payment_needs_the_customer_answers_requires_action_and_leaves_the_price()
    {
        var s = await SubscribedAsync("pro");
        Stripe.DeclineNextPriceChange(s.Subscription);

        var change = await Api.JsonAsync(await SendAsync(HttpMethod.Post, "subscription/change", s.Token, """{"plan_tier":"enterprise"}"""), HttpStatusCode.OK);

        Assert.Equal("requires_action", change.GetProperty("status").GetString());
        Assert.StartsWith("https://invoice.stripe.com/i/", change.GetProperty("hosted_invoice_url").GetString());
        Assert.Equal(Pro, (string)Stripe.Subscription(s.Subscription)!["items"]!["data"]![0]!["price"]!["id"]!);
    }

    [Fact]
    public async Task Proration_date_outside_the_current_period_is_refused_before_stripe_is_asked()
    {
        var s = await SubscribedAsync("pro");
        var problem = await Api.ProblemAsync(await SendAsync(HttpMethod.Post, "subscription/change", s.Token,
            $$"""{"plan_tier":"enterprise","proration_date":"{{s.PeriodStart.AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}}"}"""), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("proration_date", out _));
        Assert.DoesNotContain(Stripe.RequestsTo($"/v1/subscriptions/{s.Subscription}"), r => r.Method == "POST");
    }

    [Fact]
    public async Task Downgrade_is_a_schedule_that_switches_the_price_at_the_period_end()
    {
        var s = await SubscribedAsync("enterprise");

        var change = await Api.JsonAsync(await SendAsync(HttpMethod.Post, "subscription/change", s.Token, """{"plan_tier":"pro"}"""), HttpStatusCode.OK);

        Assert.Equal("scheduled", change.GetProperty("status").GetString());
        Assert.Equal(s.PeriodEnd, change.GetProperty("effective_at").GetDateTimeOffset());
        var create = Assert.Single(Stripe.RequestsTo("/v1/subscription_schedules"), r => r.Form.GetValueOrDefault("from_subscription") == s.Subscription);
        var scheduleId = (string)Stripe.Subscription(s.Subscription)!["schedule"]!;
        var update = Assert.Single(Stripe.RequestsTo($"/v1/subscription_schedules/{scheduleId}"));
        Assert.Equal("release", update.Form["end_behavior"]);
        Assert.Equal(Enterprise, update.Form["phases[0][items][0][price]"]);
        Assert.Equal(s.PeriodEnd.ToUnixTimeSeconds().ToString(), update.Form["phases[0][end_date]"]);
        Assert.Equal(Pro, update.Form["phases[1][items][0][price]"]);
        Assert.Equal("month", update.Form["phases[1][duration][interval]"]);
        Assert.Equal(s.Tenant.ToString(), update.Form["metadata[tenant_id]"]);
        Assert.NotEqual(create.IdempotencyKey, update.IdempotencyKey);
        var phases = Stripe.Schedule(scheduleId)!["phases"]!.AsArray();
        Assert.Equal(2, phases.Count);
        Assert.Equal(s.PeriodEnd.ToUnixTimeSeconds(), (long)phases[1]!["start_date"]!);
    }

    [Fact]
    public async Task Cancel_and_resume_set_and_clear_cancel_at_period_end_in_stripe()
    {
        var s = await SubscribedAsync("pro");

        var cancel = await Api.JsonAsync(await SendAsync(HttpMethod.Post, "subscription/cancel", s.Token), HttpStatusCode.OK);
        Assert.Equal("canceling", cancel.GetProperty("status").GetString());
        Assert.Equal(s.PeriodEnd, cancel.GetProperty("effective_at").GetDateTimeOffset());
        Assert.True((bool)Stripe.Subscription(s.Subscription)!["cancel_at_period_end"]!);

        var resume = await Api.JsonAsync(await SendAsync(HttpMethod.Post, "subscription/resume", s.Token), HttpStatusCode.OK);
        Assert.Equal("resumed", resume.GetProperty("status").GetString());
        Assert.False((bool)Stripe.Subscription(s.Subscription)!["cancel_at_period_end"]!);

        var updates = Stripe.RequestsTo($"/v1/subscriptions/{s.Subscription}").Where(r => r.Method == "POST").ToList();
        Assert.Equal(["true", "false"], updates.Select(u => u.Form["cancel_at_period_end"]));
        Assert.All(updates, u => Assert.Single(u.Form));
    }

    [Fact]
    public async Task A_repeated_idempotency_key_is_carried_out_once_by_stripe()
    {
        var s = await SubscribedAsync("pro");

        for (var i = 0; i < 2; i++)
            Assert.Equal("changed", (await Api.JsonAsync(await SendAsync(HttpMethod.Post, "subscription/change", s.Token,
                """{"plan_tier":"enterprise"}""", idempotencyKey: "upgrade-once"), HttpStatusCode.OK)).GetProperty("status").GetString());

        var path = $"/v1/subscriptions/{s.Subscription}";
        Assert.Equal(2, Stripe.RequestsTo(path).Count(r => r.Method == "POST"));
        Assert.Single(Stripe.CarriedOut(path));
    }

    [Fact]
    public async Task Portal_flow_opens_the_payment_method_form()
    {
        var s = await SubscribedAsync("pro");

        await Api.JsonAsync(await SendAsync(HttpMethod.Post, "portal", s.Token, """{"flow":"update_payment_method"}"""), HttpStatusCode.OK);
        var session = Assert.Single(Stripe.RequestsTo("/v1/billing_portal/sessions"), r => r.Form["customer"] == s.Customer);
        Assert.Equal("payment_method_update", session.Form["flow_data[type]"]);

        await Api.ProblemAsync(await SendAsync(HttpMethod.Post, "portal", s.Token, """{"flow":"cancel_everything"}"""), HttpStatusCode.BadRequest, "validation_failed");
    }

    [Theory]
    [InlineData("/v1/invoices/create_preview", "subscription_details[items][0][colour]=blue")]
    [InlineData("/v1/subscription_schedules", "from_subscription=sub_x&phases_everywhere=1")]
    [InlineData("/v1/subscription_schedules/sub_sched_x", "phases[0][iterations]=1")]
    [InlineData("/v1/billing_portal/sessions", "customer=cus_x&flow_data[kind]=payment_method_update")]
    public async Task Fake_stripe_refuses_a_parameter_stripe_does_not_define(string path, string form)
    {
        var subscription = await SubscribedAsync("pro");

        using var response = await PostToStripeAsync(path.Replace("sub_x", subscription.Subscription), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Received unknown parameter", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fake_stripe_refuses_a_subscription_update_stripe_does_not_define()
    {
        var s = await SubscribedAsync("pro");

        using var response = await PostToStripeAsync($"/v1/subscriptions/{s.Subscription}", "cancel_at_period_end=true&payment_behavior=pending_if_incomplete");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("pending_if_incomplete", await response.Content.ReadAsStringAsync());
    }
}
