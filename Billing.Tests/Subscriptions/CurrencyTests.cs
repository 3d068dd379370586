using Billing.Core.Subscriptions;
using Billing.Core.Webhooks;
using Billing.Tests.Infrastructure;
using Billing.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;

namespace Billing.Tests.Subscriptions;

/// <summary>Paying in won: the prices GET /plans lists, the currency a checkout asks Stripe for, and one currency per customer.</summary>
public sealed class CurrencyTests(FakeStripeHost fixture) : FakeStripeHostTests(fixture)
{
    private Task<HttpResponseMessage> CheckoutAsync(Guid tenant, string body) =>
        Client.SendAsync(Api.Request(HttpMethod.Post, "/api/v1/billing/checkout", TestTokens.For(tenant), body));

    private StripeRequest SessionOf(Guid tenant) =>
        Stripe.RequestsTo("/v1/checkout/sessions").Last(r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());

    [Fact]
    public async Task Plans_list_each_price_in_every_currency_in_stripes_minor_units()
    {
        var body = await Api.JsonAsync(await Client.SendAsync(Api.Request(HttpMethod.Get, "/api/v1/billing/plans")), HttpStatusCode.OK);

        Assert.Equal(["usd", "krw"], body.GetProperty("currencies").EnumerateArray().Select(c => c.GetString()));
        var pro = body.GetProperty("plans").EnumerateArray().Single(p => p.GetProperty("tier").GetString() == "pro");
        var prices = pro.GetProperty("prices").EnumerateArray()
            .ToDictionary(p => (p.GetProperty("interval").GetString(), p.GetProperty("currency").GetString()), p => p.GetProperty("amount").GetInt64());
        // Cents for dollars; whole won for won (₩129,000 is 129000, not 12900000).
        Assert.Equal(9_900, prices[("month", "usd")]);
        Assert.Equal(129_000, prices[("month", "krw")]);
        Assert.Equal(99_000, prices[("year", "usd")]);
        Assert.Equal(1_290_000, prices[("year", "krw")]);
    }

    [Fact]
    public async Task Checkout_in_won_asks_stripe_for_a_krw_session_of_the_same_price()
    {
        var tenant = Guid.NewGuid();

        await Api.JsonAsync(await CheckoutAsync(tenant, """{"plan_tier":"pro","currency":"krw","locale":"ko"}"""), HttpStatusCode.OK);

        var session = SessionOf(tenant);
        Assert.Equal("krw", session.Form["currency"]);
        Assert.Equal("price_test_pro", session.Form["line_items[0][price]"]);
    }

    [Fact]
    public async Task Checkout_without_a_currency_is_in_dollars_for_a_new_customer()
    {
        var tenant = Guid.NewGuid();

        await Api.JsonAsync(await CheckoutAsync(tenant, """{"plan_tier":"enterprise"}"""), HttpStatusCode.OK);

        Assert.Equal("usd", SessionOf(tenant).Form["currency"]);
    }

    [Fact]
    public async Task Checkout_without_a_currency_keeps_the_one_the_tenant_pays_in()
    {
        var tenant = await TenantWithCustomerAsync(StripeEvents.NewId("cus"), currency: "krw");

        await Api.JsonAsync(await CheckoutAsync(tenant, """{"plan_tier":"pro"}"""), HttpStatusCode.OK);

        Assert.Equal("krw", SessionOf(tenant).Form["currency"]);
    }

    [Fact]
    public async Task Checkout_in_another_currency_than_the_tenant_pays_in_is_409_naming_its_currency()
    {
        var tenant = await TenantWithCustomerAsync(StripeEvents.NewId("cus"), currency: "krw");

        var problem = await Api.ProblemAsync(await CheckoutAsync(tenant, """{"plan_tier":"pro","currency":"usd"}"""), HttpStatusCode.Conflict, "currency_mismatch");

        Assert.Contains("KRW", problem.GetProperty("detail").GetString());
        Assert.Equal("krw", problem.GetProperty("currency").GetString());
        Assert.DoesNotContain(Stripe.RequestsTo("/v1/checkout/sessions"), r => r.Form.GetValueOrDefault("client_reference_id") == tenant.ToString());
    }

    [Theory]
    [InlineData("""{"plan_tier":"pro","currency":"jpy"}""")]
    [InlineData("""{"plan_tier":"pro","currency":"KRW"}""")]
    [InlineData("""{"plan_tier":"pro","currency":410}""")]
    public async Task Checkout_in_a_currency_not_offered_is_400_naming_currency(string body)
    {
        var problem = await Api.ProblemAsync(await CheckoutAsync(Guid.NewGuid(), body), HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("currency", out _), problem.ToString());
    }
}

/// <summary>Which currency a tenant pays in, as the webhook pipeline records it from Stripe's subscriptions.</summary>
public sealed class CurrencyRecordTests(ApplierFixture fixture) : IClassFixture<ApplierFixture>
{
    private async Task<string?> ApplyAsync(string eventJson)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StripeEventApplier>().ApplyAsync(eventJson, default);
    }

    [Fact]
    public async Task A_tenant_keeps_the_currency_of_its_subscription_after_it_ends()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(fixture.Env.SharedDatabase, tenant, "free");
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var start = ApplierFixture.Now.AddDays(-3);
        var won = StripeEvents.Subscription(tenant, customer, subscription, "price_test_pro", start, start.AddMonths(1), currency: "krw");

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.created", won, ApplierFixture.Now.AddMinutes(-2))));
        var paying = await fixture.Services.GetRequiredService<SubscriptionService>().GetAsync(tenant, default);
        Assert.Equal("krw", paying.Currency);

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.deleted", (System.Text.Json.Nodes.JsonObject)won.DeepClone(), ApplierFixture.Now.AddMinutes(-1))));
        var ended = await fixture.Services.GetRequiredService<SubscriptionService>().GetAsync(tenant, default);
        Assert.Equal(Billing.Core.Plans.PlanTier.Free, ended.PlanTier);
        Assert.Equal("krw", ended.Currency);
    }
}

/// <summary>What the fake Stripe keeps of a price's currencies, and the Checkout currencies it refuses as Stripe does.</summary>
public sealed class FakeStripeCurrencyTests : IAsyncLifetime
{
    private FakeStripe _stripe = null!;
    private TestEnvironment _env = null!;

    public async Task InitializeAsync()
    {
        _env = await TestEnvironment.GetAsync();
        _stripe = await FakeStripe.StartAsync();
    }

    public async Task DisposeAsync() => await _stripe.DisposeAsync();

    private (global::Stripe.IStripeClient Client, ServiceProvider Services) Client()
    {
        var services = _env.CreateServices(new Dictionary<string, string?> { ["STRIPE_API_BASE"] = _stripe.BaseAddress.ToString() });
        return (services.GetRequiredService<global::Stripe.IStripeClient>(), services);
    }

    private static global::Stripe.Checkout.SessionCreateOptions Session(string price, string currency) => new()
    {
        Mode = "subscription", Customer = "cus_fake_currency", Currency = currency,
        LineItems = [new() { Price = price, Quantity = 1 }],
        SuccessUrl = "http://localhost:3000/ok", CancelUrl = "http://localhost:3000/no",
    };

    [Fact]
    public async Task The_fake_refuses_a_checkout_currency_the_price_lacks()
    {
        var (client, services) = Client();
        await using var _ = services;
        var sessions = new global::Stripe.Checkout.SessionService(client);
        _stripe.AddPrice("price_dollars_only", "loginexus_pro", "month", "usd", 9_900, new Dictionary<string, long>());

        var refused = await Assert.ThrowsAsync<global::Stripe.StripeException>(() => sessions.CreateAsync(Session("price_dollars_only", "krw")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.HttpStatusCode);
        Assert.Contains("currency_options", refused.Message);

        // The settings' prices carry the won as a currency option: a won session of them is taken, a yen one is not.
        Assert.Equal("krw", (await sessions.CreateAsync(Session("price_test_pro", "krw"))).Currency);
        await Assert.ThrowsAsync<global::Stripe.StripeException>(() => sessions.CreateAsync(Session("price_test_pro", "jpy")));
    }

    [Fact]
    public async Task The_fake_keeps_currency_options_and_shows_them_only_when_expanded()
    {
        var (client, services) = Client();
        await using var _ = services;
        var prices = new global::Stripe.PriceService(client);
        await new global::Stripe.ProductService(client).CreateAsync(new global::Stripe.ProductCreateOptions { Id = "loginexus_pro", Name = "LogiNexus Pro" });
        var created = await prices.CreateAsync(new global::Stripe.PriceCreateOptions
        {
            Product = "loginexus_pro", Currency = "usd", UnitAmount = 9_900, LookupKey = "fake_currency_test",
            Recurring = new() { Interval = "month" },
            CurrencyOptions = new Dictionary<string, global::Stripe.PriceCurrencyOptionsOptions> { ["krw"] = new() { UnitAmount = 129_000 } },
        });
        Assert.Null(created.CurrencyOptions);

        var plain = Assert.Single(await prices.ListAsync(new global::Stripe.PriceListOptions { LookupKeys = ["fake_currency_test"] }));
        Assert.Null(plain.CurrencyOptions);
        var expanded = Assert.Single(await prices.ListAsync(new global::Stripe.PriceListOptions { LookupKeys = ["fake_currency_test"], Expand = ["data.currency_options"] }));
        Assert.Equal(129_000, expanded.CurrencyOptions["krw"].UnitAmount);
        Assert.Equal(9_900, expanded.CurrencyOptions["usd"].UnitAmount);
    }
}
