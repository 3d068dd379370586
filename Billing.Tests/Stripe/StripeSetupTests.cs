using Billing.Core.Plans;
using Billing.DevHost;

namespace Billing.Tests.Stripe;

/// <summary><c>Billing.DevHost stripe-setup</c> against the fake Stripe, which refuses any parameter Stripe does not define.</summary>
public sealed class StripeSetupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string WebhookUrl = "https://billing.example.com/api/v1/billing/webhooks";
    private static readonly string[] CreatePaths = ["/v1/products", "/v1/prices", "/v1/billing_portal/configurations", "/v1/webhook_endpoints"];
    private FakeStripe _stripe = null!;
    private string _settings = null!;

    public async Task InitializeAsync()
    {
        _stripe = await FakeStripe.StartAsync(emptyAccount: true);
        _settings = await TestHost.WriteSettingsAsync(new Dictionary<string, string?>
        {
            ["STRIPE_SECRET_KEY"] = "sk_test_setup",
            ["STRIPE_API_BASE"] = _stripe.BaseAddress.ToString(),
        });
    }

    public async Task DisposeAsync() => await _stripe.DisposeAsync();

    private sealed record Run(int ExitCode, string Stdout, string Stderr, IReadOnlyList<StripeRequest> Requests);

    private async Task<Run> SetupAsync(params string[] extra)
    {
        var before = _stripe.Requests.Count;
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await DevHostCli.RunAsync(["stripe-setup", "--url", WebhookUrl, "--settings", _settings, .. extra], stdout, stderr);
        var requests = _stripe.Requests.Skip(before).ToList();
        output.WriteLine($"exit {exit}; {requests.Count} requests ({requests.Count(r => r.Method == "GET")} GET, {requests.Count(r => r.Method == "POST")} POST)");
        output.WriteLine(stdout.ToString());
        output.WriteLine(stderr.ToString());
        return new Run(exit, stdout.ToString(), stderr.ToString(), requests);
    }

    private static IEnumerable<string> Strings(JsonNode? array) => array!.AsArray().Select(n => (string)n!);

    [Fact]
    public async Task First_run_creates_products_prices_portal_and_endpoint_and_prints_every_setting()
    {
        var run = await SetupAsync();

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(12, run.Requests.Count); // 4 reads, then 2 products, 4 prices, 1 portal configuration, 1 endpoint
        Assert.All(run.Requests.Where(r => r.Method == "POST" && CreatePaths.Contains(r.Path)), r => Assert.False(string.IsNullOrEmpty(r.IdempotencyKey)));

        Assert.Equal(["loginexus_enterprise", "loginexus_pro"], _stripe.Products.Select(p => (string)p["id"]!).Order());
        foreach (var plan in PlanCatalog.Paid)
        foreach (var price in plan.Prices)
        {
            // One price per plan and interval: USD its own amount, every other currency one of its currency_options.
            var stripePrice = _stripe.Prices.Single(p => (string?)p["lookup_key"] == plan.LookupKey(price.Interval));
            Assert.Equal(Plan.DefaultCurrency, (string?)stripePrice["currency"]);
            Assert.Equal(price.Amount, price.Currency == Plan.DefaultCurrency
                ? (long)stripePrice["unit_amount"]!
                : (long)stripePrice["currency_options"]![price.Currency]!["unit_amount"]!);
            Assert.Equal(WireNames.Of(price.Interval), (string?)stripePrice["recurring"]!["interval"]);
            Assert.Equal(plan.ProductId, (string?)stripePrice["product"]);
            Assert.Contains($"{Billing.Core.Stripe.StripeSetup.PriceSetting(plan.Tier, price.Interval)}={stripePrice["id"]}", run.Stdout);
        }
        Assert.Equal(["loginexus_enterprise_monthly", "loginexus_enterprise_yearly", "loginexus_pro_monthly", "loginexus_pro_yearly"],
            _stripe.Prices.Select(p => (string)p["lookup_key"]!).Order());

        var portal = Assert.Single(_stripe.PortalConfigurations);
        var features = portal["features"]!;
        Assert.True((bool)features["invoice_history"]!["enabled"]!);
        Assert.True((bool)features["payment_method_update"]!["enabled"]!);
        Assert.True((bool)features["customer_update"]!["enabled"]!);
        Assert.Equal("at_period_end", (string?)features["subscription_cancel"]!["mode"]);
        Assert.True((bool)features["subscription_cancel"]!["cancellation_reason"]!["enabled"]!);
        Assert.Equal("create_prorations", (string?)features["subscription_update"]!["proration_behavior"]);
        Assert.Equal(["decreasing_item_amount", "shortening_interval"],
            features["subscription_update"]!["schedule_at_period_end"]!["conditions"]!.AsArray().Select(c => (string)c!["type"]!).Order());
        var switchable = features["subscription_update"]!["products"]!.AsArray().SelectMany(p => Strings(p!["prices"])).Order();
        Assert.Equal(_stripe.Prices.Select(p => (string)p["id"]!).Order(), switchable);
        Assert.Contains($"STRIPE_PORTAL_CONFIGURATION={portal["id"]}", run.Stdout);

        var endpoint = Assert.Single(_stripe.WebhookEndpoints);
        Assert.Equal(WebhookUrl, (string?)endpoint["url"]);
        Assert.Equal(EventPosition.HandledEventTypes.Order(), Strings(endpoint["enabled_events"]).Order());
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(run.Stdout, "STRIPE_WEBHOOK_SECRET=whsec_fake"));
    }

    [Fact]
    public async Task Second_run_changes_nothing_and_says_so()
    {
        var first = await SetupAsync();
        var second = await SetupAsync();

        Assert.Equal(0, second.ExitCode);
        Assert.Equal(4, second.Requests.Count);
        Assert.All(second.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Contains("nothing: the Stripe account already matches the code", second.Stdout);
        Assert.DoesNotContain("whsec_", second.Stdout);
        Assert.Contains("Stripe shows its signing secret only when it is created", second.Stdout);
        // The same settings as the first run printed.
        foreach (var line in first.Stdout.Split('\n').Where(l => l.Contains("=price_") || l.Contains("=bpc_")))
            Assert.Contains(line.Trim(), second.Stdout);
    }

    [Fact]
    public async Task Changed_amount_replaces_the_price_with_the_lookup_key_and_archives_the_old_one()
    {
        await SetupAsync();
        var old = _stripe.Prices.Single(p => (string?)p["lookup_key"] == "loginexus_pro_yearly");
        _stripe.SetPriceAmount("loginexus_pro_yearly", 89_000);

        var run = await SetupAsync();

        Assert.Equal(0, run.ExitCode);
        var create = Assert.Single(run.Requests, r => r.Method == "POST" && r.Path == "/v1/prices");
        Assert.Equal("true", create.Form["transfer_lookup_key"]);
        Assert.Equal("99000", create.Form["unit_amount"]);
        var replacement = _stripe.Prices.Single(p => (string?)p["lookup_key"] == "loginexus_pro_yearly");
        Assert.NotEqual((string)old["id"]!, (string)replacement["id"]!);
        Assert.Equal(99_000, (long)replacement["unit_amount"]!);
        var archived = _stripe.Prices.Single(p => (string)p["id"]! == (string)old["id"]!);
        Assert.False((bool)archived["active"]!);
        Assert.Null((string?)archived["lookup_key"]);
        // No price is ever edited: the old one is only archived.
        Assert.DoesNotContain(run.Requests, r => r.Path.StartsWith("/v1/prices/", StringComparison.Ordinal) && r.Form.Keys.Any(k => k != "active"));
        // The portal now switches to the new price, not the archived one.
        var switchable = _stripe.PortalConfigurations.Single()["features"]!["subscription_update"]!["products"]!.AsArray().SelectMany(p => Strings(p!["prices"]));
        Assert.Contains((string)replacement["id"]!, switchable);
        Assert.DoesNotContain((string)old["id"]!, switchable);
        Assert.Contains($"STRIPE_PRICE_PRO_YEARLY={replacement["id"]}", run.Stdout);
        Assert.Contains("replace price loginexus_pro_yearly", run.Stdout);
    }

    [Fact]
    public async Task Won_prices_are_currency_options_of_the_dollar_prices_in_whole_won()
    {
        var run = await SetupAsync();

        Assert.Equal(0, run.ExitCode);
        var create = Assert.Single(run.Requests, r => r.Method == "POST" && r.Path == "/v1/prices" && r.Form["lookup_key"] == "loginexus_pro_monthly");
        Assert.Equal("usd", create.Form["currency"]);
        Assert.Equal("9900", create.Form["unit_amount"]);
        // KRW is a zero-decimal currency: ₩129,000 is 129000, not 12900000.
        Assert.Equal("129000", create.Form["currency_options[krw][unit_amount]"]);
        Assert.Contains("create price loginexus_pro_monthly: 99.00 USD, 129000 KRW a month", run.Stdout);
    }

    [Fact]
    public async Task Changed_won_amount_replaces_the_price_and_a_second_run_then_changes_nothing()
    {
        await SetupAsync();
        var old = _stripe.Prices.Single(p => (string?)p["lookup_key"] == "loginexus_enterprise_monthly");
        _stripe.SetPriceAmount("loginexus_enterprise_monthly", 599_000, "krw");

        var run = await SetupAsync();

        var create = Assert.Single(run.Requests, r => r.Method == "POST" && r.Path == "/v1/prices");
        Assert.Equal("true", create.Form["transfer_lookup_key"]);
        Assert.Equal("649000", create.Form["currency_options[krw][unit_amount]"]);
        Assert.Equal("49900", create.Form["unit_amount"]);
        Assert.False((bool)_stripe.Prices.Single(p => (string)p["id"]! == (string)old["id"]!)["active"]!);
        Assert.Contains("replace price loginexus_enterprise_monthly", run.Stdout);
        Assert.Contains("599000 KRW", run.Stdout);

        var again = await SetupAsync();
        Assert.All(again.Requests, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task Missing_event_type_is_added_to_the_endpoint()
    {
        await SetupAsync();
        var endpoint = _stripe.WebhookEndpoints.Single();
        _stripe.SetWebhookEvents((string)endpoint["id"]!, [.. EventPosition.HandledEventTypes.Where(t => t != "invoice.paid"), "charge.refunded"]);

        var run = await SetupAsync();

        Assert.Equal(0, run.ExitCode);
        var update = Assert.Single(run.Requests, r => r.Method == "POST");
        Assert.Equal($"/v1/webhook_endpoints/{endpoint["id"]}", update.Path);
        Assert.Equal(EventPosition.HandledEventTypes.Order(), Strings(_stripe.WebhookEndpoints.Single()["enabled_events"]).Order());
        Assert.Contains("add invoice.paid", run.Stdout);
        Assert.Contains("remove charge.refunded", run.Stdout);
        Assert.DoesNotContain("whsec_", run.Stdout);
    }

    [Fact]
    public async Task Dry_run_reads_only_and_says_what_it_would_do()
    {
        var run = await SetupAsync("--dry-run");

        Assert.Equal(0, run.ExitCode);
        Assert.All(run.Requests, r => Assert.Equal("GET", r.Method));
        Assert.Empty(_stripe.Products);
        Assert.Contains("Dry run: nothing was changed", run.Stdout);
        Assert.Contains("create price loginexus_enterprise_yearly: 4990.00 USD, 6490000 KRW a year", run.Stdout);
        Assert.Contains("create webhook endpoint " + WebhookUrl, run.Stdout);
    }

    [Fact]
    public async Task Without_a_secret_key_setup_stops_with_one_line_naming_it()
    {
        var settings = await TestHost.WriteSettingsAsync(new Dictionary<string, string?> { ["STRIPE_API_BASE"] = _stripe.BaseAddress.ToString() });
        var stderr = new StringWriter();

        var exit = await DevHostCli.RunAsync(["stripe-setup", "--url", WebhookUrl, "--settings", settings], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.StartsWith("Configuration error: STRIPE_SECRET_KEY is required for stripe-setup", stderr.ToString());
        Assert.Empty(_stripe.Requests);
    }

    [Theory]
    [InlineData("--url", "not a url", "--url must be an absolute https URL")]
    [InlineData("--bogus", "x", "unknown option '--bogus'")]
    public async Task Bad_arguments_are_refused(string option, string value, string expected)
    {
        var stderr = new StringWriter();
        var exit = await DevHostCli.RunAsync(["stripe-setup", option, value, "--settings", _settings], new StringWriter(), stderr);

        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr.ToString());
    }
}
