using Billing.DevHost;
using Billing.Tests.Webhooks;

namespace Billing.Tests.Subscriptions;

/// <summary>Yearly prices with monthly limits, and the checkout and portal options, through the app and the fake Stripe.</summary>
public sealed class YearlyBillingTests(ApplierFixture fixture) : IClassFixture<ApplierFixture>
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    private Task<string?> ApplyAsync(string eventJson) => fixture.App.ApplyAsync(eventJson);

    [Fact]
    public async Task Yearly_subscription_keeps_monthly_limits_on_the_month_of_its_year_it_is_in()
    {
        // Stripe bills 31 January 2026 to 31 January 2027; the fixture's now is 20 November 2026.
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(fixture.Env.SharedDatabase, tenant, "free");
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, "price_test_pro_yearly", Utc(2026, 1, 31, 10), Utc(2027, 1, 31, 10)), ApplierFixture.Now)));

        var view = await fixture.Services.GetRequiredService<SubscriptionService>().GetAsync(tenant, default);
        Assert.Equal(Billing.Core.Plans.PlanTier.Pro, view.PlanTier);
        Assert.Equal(Billing.Core.Plans.BillingInterval.Year, view.BillingInterval);
        Assert.Equal(new BillingPeriod(Utc(2026, 10, 31, 10), Utc(2026, 11, 30, 10)), new BillingPeriod(view.BillingPeriodStart, view.BillingPeriodEnd));

        await fixture.Services.GetRequiredService<UsageService>().ConsumeAsync(tenant, "shipments", 3, null, default);
        Assert.Equal(1_000, (await fixture.Services.GetRequiredService<UsageService>().GetAsync(tenant, default)).Shipments.Limit);
        Assert.Equal(1L, await Db.ScalarAsync<long>(fixture.Env.SharedDatabase,
            "SELECT count(*) FROM usage_records WHERE tenant_id = $1 AND period_start = $2 AND period_end = $3", tenant, Utc(2026, 10, 31, 10), Utc(2026, 11, 30, 10)));
    }

    [Fact]
    public async Task Monthly_subscription_says_month()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(fixture.Env.SharedDatabase, tenant, "free");
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, "price_test_enterprise", Utc(2026, 11, 3), Utc(2026, 12, 3)), ApplierFixture.Now));

        var view = await fixture.Services.GetRequiredService<SubscriptionService>().GetAsync(tenant, default);
        Assert.Equal(Billing.Core.Plans.BillingInterval.Month, view.BillingInterval);
        Assert.Equal(new BillingPeriod(Utc(2026, 11, 3), Utc(2026, 12, 3)), new BillingPeriod(view.BillingPeriodStart, view.BillingPeriodEnd));
    }
}

/// <summary>
/// What the pricing page and checkout see: prices per interval, the interval and locale of a checkout, the options.
/// Over HTTP through the class's DevHost where the default settings do; other settings through the services
/// (each DevHost takes an Azurite account of its own).
/// </summary>
public sealed class CheckoutOptionsTests(FakeStripeHost fixture) : IClassFixture<FakeStripeHost>
{
    private readonly FakeStripe _stripe = fixture.Stripe;

    private ServiceProvider Services(Dictionary<string, string?> settings)
    {
        settings["STRIPE_API_BASE"] = _stripe.BaseAddress.ToString();
        return fixture.Environment.CreateServices(settings);
    }

    private static async Task<JsonElement> SendAsync(TestHost host, HttpMethod method, string path, string? token, string? body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var client = host.CreateClient();
        return await Api.JsonAsync(await client.SendAsync(Api.Request(method, $"/api/v1/billing/{path}", token, body)), expected);
    }

    private StripeRequest SessionOf(Guid tenant) =>
        Assert.Single(_stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());

    [Fact]
    public async Task Plans_list_monthly_and_yearly_prices_from_the_catalogue()
    {
        var plans = await SendAsync(fixture.Host, HttpMethod.Get, "plans", null, null);

        var pro = plans.GetProperty("plans").EnumerateArray().Single(p => p.GetProperty("tier").GetString() == "pro");
        Assert.Equal([("month", 9_900L, "usd"), ("month", 129_000L, "krw"), ("year", 99_000L, "usd"), ("year", 1_290_000L, "krw")],
            pro.GetProperty("prices").EnumerateArray().Select(p => (p.GetProperty("interval").GetString(), p.GetProperty("amount").GetInt64(), p.GetProperty("currency").GetString())));
        Assert.Empty(plans.GetProperty("plans")[0].GetProperty("prices").EnumerateArray());
    }

    [Fact]
    public async Task Without_a_yearly_price_id_the_yearly_price_is_neither_listed_nor_sold()
    {
        await using var services = Services(new() { ["STRIPE_PRICE_PRO_YEARLY"] = "" });

        var pro = services.GetRequiredService<Billing.Core.Plans.PlanOffers>().List().Single(o => o.Plan.Tier == Billing.Core.Plans.PlanTier.Pro);
        Assert.Equal([Billing.Core.Plans.BillingInterval.Month], pro.Prices.Select(p => p.Interval).Distinct());
        var refused = await Assert.ThrowsAsync<Billing.Core.Errors.BillingException>(() => services.GetRequiredService<CheckoutService>()
            .CreateCheckoutAsync(Guid.NewGuid(), new CheckoutChoice("pro", null, null, Interval: "year"), default));
        Assert.Contains("interval", refused.Message + string.Join(",", refused.Errors?.Keys ?? []));
    }

    [Fact]
    public async Task Yearly_checkout_uses_the_yearly_price_and_opens_in_the_pages_language()
    {
        var tenant = Guid.NewGuid();

        await SendAsync(fixture.Host, HttpMethod.Post, "checkout", TestTokens.For(tenant), """{"plan_tier":"enterprise","interval":"year","locale":"ko"}""");

        var session = SessionOf(tenant);
        Assert.Equal("price_test_enterprise_yearly", session.Form["line_items[0][price]"]);
        Assert.Equal("ko", session.Form["locale"]);
        // Every option is off by default: none of them is sent.
        Assert.DoesNotContain(session.Form.Keys, k => k.StartsWith("allow_promotion_codes") || k.StartsWith("automatic_tax") || k.StartsWith("tax_id_collection") || k.StartsWith("customer_update"));
    }

    [Theory]
    [InlineData("""{"plan_tier":"pro","interval":"week"}""", "interval")]
    [InlineData("""{"plan_tier":"pro","locale":"fr"}""", "locale")]
    [InlineData("""{"plan_tier":"pro","interval":1}""", "interval")]
    public async Task Bad_interval_or_locale_is_refused(string body, string field)
    {
        var problem = await SendAsync(fixture.Host, HttpMethod.Post, "checkout", TestTokens.For(Guid.NewGuid()), body, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    [Fact]
    public async Task Promotion_codes_tax_and_tax_ids_are_asked_of_checkout_when_switched_on()
    {
        await using var services = Services(new() { ["STRIPE_ALLOW_PROMOTION_CODES"] = "true", ["STRIPE_AUTOMATIC_TAX"] = "true", ["STRIPE_TAX_ID_COLLECTION"] = "true" });
        var tenant = Guid.NewGuid();

        await services.GetRequiredService<CheckoutService>().CreateCheckoutAsync(tenant, new CheckoutChoice("pro", null, null), default);

        var form = SessionOf(tenant).Form;
        Assert.Equal("true", form["allow_promotion_codes"]);
        Assert.Equal("true", form["automatic_tax[enabled]"]);
        Assert.Equal("required", form["billing_address_collection"]);
        Assert.Equal("auto", form["customer_update[address]"]);
        Assert.Equal("true", form["tax_id_collection[enabled]"]);
        Assert.Equal("auto", form["customer_update[name]"]);
    }

    [Fact]
    public async Task Setup_then_app_with_its_printed_settings_checks_out_yearly_and_opens_its_portal()
    {
        var setupSettings = await TestHost.WriteSettingsAsync(new Dictionary<string, string?>
        {
            ["STRIPE_SECRET_KEY"] = "sk_test_setup", ["STRIPE_API_BASE"] = _stripe.BaseAddress.ToString(),
        });
        var stdout = new StringWriter();
        Assert.Equal(0, await DevHostCli.RunAsync(["stripe-setup", "--url", "https://billing.example.com/api/v1/billing/webhooks", "--settings", setupSettings], stdout, new StringWriter()));
        var printed = stdout.ToString().Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("STRIPE_") && l.Contains('='))
            .Select(l => l.Split("    ")[0].Split('=', 2)).ToDictionary(kv => kv[0], kv => (string?)kv[1]);
        Assert.Equal(6, printed.Count);

        await using var services = Services(printed);
        var tenant = Guid.NewGuid();
        var checkout = services.GetRequiredService<CheckoutService>();
        await checkout.CreateCheckoutAsync(tenant, new CheckoutChoice("pro", null, null, Interval: "year"), default);
        await checkout.CreatePortalAsync(tenant, null, null, default);

        Assert.Equal(printed["STRIPE_PRICE_PRO_YEARLY"], SessionOf(tenant).Form["line_items[0][price]"]);
        var yearly = _stripe.Prices.Single(p => (string)p["id"]! == printed["STRIPE_PRICE_PRO_YEARLY"]);
        Assert.Equal("loginexus_pro_yearly", (string?)yearly["lookup_key"]);
        var portal = _stripe.RequestsTo("/v1/billing_portal/sessions").Last();
        Assert.Equal(printed["STRIPE_PORTAL_CONFIGURATION"], portal.Form["configuration"]);
    }
}
