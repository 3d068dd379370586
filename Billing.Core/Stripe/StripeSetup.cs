using Billing.Core.Webhooks;
using Stripe;
using Portal = Stripe.BillingPortal;
using Plan = Billing.Core.Plans.Plan;
using PlanTier = Billing.Core.Plans.PlanTier;

namespace Billing.Core.Stripe;

/// <summary>A setting the operator puts in app settings; a secret is shown once and never in a log or a <c>ToString</c>.</summary>
public sealed record SetupSetting(string Name, string? Value, bool Secret = false)
{
    public override string ToString() => $"{Name}={(Secret ? "(secret)" : Value)}";
}

/// <summary>What one <c>stripe-setup</c> run changed (or, with <see cref="DryRun"/>, would change) and the settings it leads to.</summary>
public sealed record SetupReport(bool DryRun, IReadOnlyList<string> Changes, IReadOnlyList<SetupSetting> Settings, IReadOnlyList<string> Notes);

/// <summary>
/// Makes a Stripe account match the code (the operator's <c>stripe-setup</c>): a product per paid plan, its
/// monthly and yearly prices under lookup keys with the catalogue's amounts (USD, and KRW as a <c>currency_options</c>
/// entry of the same price), the billing portal configuration,
/// and the webhook endpoint subscribed to exactly the event types the applier handles
/// (<see cref="EventPosition.HandledEventTypes"/>). It reads first and writes only what differs, so a second run
/// changes nothing. A price is never edited: a changed amount is a new price that takes the lookup key
/// (<c>transfer_lookup_key</c>), and the old one is archived. Every create carries an idempotency key of this run.
/// </summary>
public sealed class StripeSetup(IStripeClient stripe, StripeCalls calls)
{
    /// <summary>Marks the portal configuration setup owns, so a second run finds it among the account's others.</summary>
    public const string PortalMarkerKey = "loginexus";
    public const string PortalMarkerValue = "billing_portal";

    public static readonly IReadOnlyList<string> CancellationReasons =
        ["too_expensive", "missing_features", "switched_service", "unused", "customer_service", "too_complex", "low_quality", "other"];

    public static readonly IReadOnlyList<string> CustomerUpdates = ["address", "email", "name", "tax_id"];

    /// <summary>Changes that take effect at the period's end instead of at once: a cheaper plan, a shorter interval.</summary>
    public static readonly IReadOnlyList<string> ScheduledAtPeriodEnd = ["decreasing_item_amount", "shortening_interval"];

    public async Task<SetupReport> RunAsync(string webhookUrl, bool dryRun, CancellationToken ct)
    {
        var run = new Run(dryRun, $"stripe-setup-{Guid.NewGuid():N}");
        await EnsureProductsAsync(run, ct);
        var prices = await EnsurePricesAsync(run, ct);
        var portal = await EnsurePortalAsync(run, prices, ct);
        var secret = await EnsureWebhookEndpointAsync(run, webhookUrl, ct);

        var settings = new List<SetupSetting>();
        foreach (var plan in PlanCatalog.Paid)
        foreach (var interval in plan.Intervals)
            settings.Add(new SetupSetting(PriceSetting(plan.Tier, interval), prices[plan.LookupKey(interval)]));
        settings.Add(new SetupSetting("STRIPE_PORTAL_CONFIGURATION", portal));
        settings.Add(new SetupSetting("STRIPE_WEBHOOK_SECRET", secret, Secret: true));
        return new SetupReport(dryRun, run.Changes, settings, run.Notes);
    }

    /// <summary>The setting that holds a tier's price id for an interval.</summary>
    public static string PriceSetting(PlanTier tier, BillingInterval interval) =>
        $"STRIPE_PRICE_{WireNames.Of(tier).ToUpperInvariant()}{(interval == BillingInterval.Year ? "_YEARLY" : "")}";

    public static string ProductName(Plan plan) => $"LogiNexus {plan.Name}";

    private sealed class Run(bool dryRun, string keyPrefix)
    {
        public bool DryRun { get; } = dryRun;
        public List<string> Changes { get; } = [];
        public List<string> Notes { get; } = [];
        public string Key(string what) => $"{keyPrefix}-{what}";
    }

    private async Task EnsureProductsAsync(Run run, CancellationToken ct)
    {
        var products = new ProductService(stripe);
        var found = await calls.CallAsync("list products", null, r => products.ListAsync(new ProductListOptions
        {
            Ids = PlanCatalog.Paid.Select(p => p.ProductId).ToList(),
            Limit = 100,
        }, r, ct), ct);
        foreach (var plan in PlanCatalog.Paid)
        {
            var name = ProductName(plan);
            var product = found.Data.FirstOrDefault(p => p.Id == plan.ProductId);
            if (product is null)
            {
                run.Changes.Add($"create product {plan.ProductId} ({name})");
                if (!run.DryRun)
                    await calls.CallAsync("create product", run.Key(plan.ProductId), r => products.CreateAsync(new ProductCreateOptions
                    {
                        Id = plan.ProductId,
                        Name = name,
                        Metadata = new Dictionary<string, string> { ["plan_tier"] = WireNames.Of(plan.Tier) },
                    }, r, ct), ct);
            }
            else if (product.Name != name || !product.Active)
            {
                run.Changes.Add($"update product {plan.ProductId}: name '{name}', active");
                if (!run.DryRun)
                    await calls.CallAsync("update product", null, r => products.UpdateAsync(plan.ProductId, new ProductUpdateOptions
                    {
                        Name = name,
                        Active = true,
                    }, r, ct), ct);
            }
        }
    }

    /// <summary>
    /// Each catalogue price's id by lookup key; null where a dry run would create it. One Stripe price per plan and
    /// interval: the default currency's amount as <c>unit_amount</c>, every other currency's in <c>currency_options</c>
    /// (Stripe lists those only when asked to expand them).
    /// </summary>
    private async Task<Dictionary<string, string?>> EnsurePricesAsync(Run run, CancellationToken ct)
    {
        var service = new PriceService(stripe);
        var wanted = PlanCatalog.Paid.SelectMany(plan => plan.Intervals.Select(interval => (Plan: plan, Prices: plan.PricesFor(interval)))).ToList();
        var found = await calls.CallAsync("list prices", null, r => service.ListAsync(new PriceListOptions
        {
            LookupKeys = wanted.Select(w => w.Plan.LookupKey(w.Prices[0].Interval)).ToList(),
            Expand = ["data.currency_options"],
            Limit = 100,
        }, r, ct), ct);

        var ids = new Dictionary<string, string?>();
        foreach (var (plan, prices) in wanted)
        {
            var (main, options) = (prices[0], prices.Skip(1).ToList());
            var key = plan.LookupKey(main.Interval);
            var current = found.Data.FirstOrDefault(p => p.LookupKey == key);
            if (current is not null && Matches(current, plan, main, options))
            {
                ids[key] = current.Id;
                continue;
            }

            var what = $"{string.Join(", ", prices.Select(p => Currencies.Describe(p.Currency, p.Amount)))} a {WireNames.Of(main.Interval)}";
            run.Changes.Add(current is null
                ? $"create price {key}: {what}"
                : $"replace price {key} ({current.Id}: {string.Join(", ", Amounts(current).Select(a => Currencies.Describe(a.Currency, a.Amount)))}" +
                  $"{(current.Active ? "" : ", archived")}) with {what}");
            if (run.DryRun)
            {
                ids[key] = null;
                continue;
            }
            var created = await calls.CallAsync("create price", run.Key(key), r => service.CreateAsync(new PriceCreateOptions
            {
                Product = plan.ProductId,
                UnitAmount = main.Amount,
                Currency = main.Currency,
                CurrencyOptions = options.Count == 0 ? null
                    : options.ToDictionary(o => o.Currency, o => new PriceCurrencyOptionsOptions { UnitAmount = o.Amount }),
                Recurring = new PriceRecurringOptions { Interval = WireNames.Of(main.Interval) },
                LookupKey = key,
                TransferLookupKey = current is null ? null : true,
                Metadata = new Dictionary<string, string> { ["plan_tier"] = WireNames.Of(plan.Tier) },
            }, r, ct), ct);
            ids[key] = created.Id;
            if (current is { Active: true })
                await calls.CallAsync("archive price", null, r => service.UpdateAsync(current.Id, new PriceUpdateOptions { Active = false }, r, ct), ct);
        }
        return ids;
    }

    private static bool Matches(Price stripePrice, Plan plan, PlanPrice main, IReadOnlyList<PlanPrice> options) =>
        stripePrice.Active && stripePrice.ProductId == plan.ProductId && stripePrice.Recurring is { IntervalCount: 1 } recurring &&
        recurring.Interval == WireNames.Of(main.Interval) && stripePrice.Currency == main.Currency &&
        Amounts(stripePrice).OrderBy(a => a.Currency, StringComparer.Ordinal)
            .SequenceEqual(options.Prepend(main).Select(p => (p.Currency, p.Amount)).OrderBy(a => a.Currency, StringComparer.Ordinal));

    /// <summary>A Stripe price's amount in each of its currencies (Stripe repeats the default currency among the expanded options).</summary>
    private static IEnumerable<(string Currency, long Amount)> Amounts(Price price) =>
        (price.CurrencyOptions ?? [])
            .Where(o => o.Key != price.Currency)
            .Select(o => (o.Key, o.Value.UnitAmount ?? -1))
            .Prepend((price.Currency, price.UnitAmount ?? -1));

    /// <summary>The portal: invoices, payment methods, customer details, cancel at period end with reasons, and switching among exactly our prices.</summary>
    private async Task<string?> EnsurePortalAsync(Run run, IReadOnlyDictionary<string, string?> prices, CancellationToken ct)
    {
        var service = new Portal.ConfigurationService(stripe);
        var found = await calls.CallAsync("list billing portal configurations", null, r => service.ListAsync(new Portal.ConfigurationListOptions
        {
            Limit = 100,
        }, r, ct), ct);
        var current = found.Data.FirstOrDefault(c => c.Metadata?.GetValueOrDefault(PortalMarkerKey) == PortalMarkerValue);
        var products = PlanCatalog.Paid.Select(plan => (Product: plan.ProductId, Prices: plan.Intervals.Select(i => prices[plan.LookupKey(i)]).ToList())).ToList();

        if (current is not null && current.Active && Describe(current).SequenceEqual(Describe(products)))
            return current.Id;

        run.Changes.Add(current is null ? "create billing portal configuration" : $"update billing portal configuration {current.Id}");
        if (run.DryRun) return current?.Id;
        var features = Features(products.Select(p => (p.Product, p.Prices.Select(id => id!).ToList())).ToList());
        var metadata = new Dictionary<string, string> { [PortalMarkerKey] = PortalMarkerValue };
        var saved = current is null
            ? await calls.CallAsync("create billing portal configuration", run.Key("portal"), r => service.CreateAsync(new Portal.ConfigurationCreateOptions
            {
                Name = "LogiNexus Billing",
                Features = features,
                Metadata = metadata,
            }, r, ct), ct)
            : await calls.CallAsync("update billing portal configuration", null, r => service.UpdateAsync(current.Id, new Portal.ConfigurationUpdateOptions
            {
                Active = true,
                Features = features,
            }, r, ct), ct);
        return saved.Id;
    }

    private static Portal.ConfigurationFeaturesOptions Features(IReadOnlyList<(string Product, List<string> Prices)> products) => new()
    {
        InvoiceHistory = new() { Enabled = true },
        PaymentMethodUpdate = new() { Enabled = true },
        CustomerUpdate = new() { Enabled = true, AllowedUpdates = CustomerUpdates.ToList() },
        SubscriptionCancel = new()
        {
            Enabled = true,
            Mode = "at_period_end",
            CancellationReason = new() { Enabled = true, Options = CancellationReasons.ToList() },
        },
        SubscriptionUpdate = new()
        {
            Enabled = true,
            DefaultAllowedUpdates = ["price"],
            ProrationBehavior = "create_prorations",
            Products = products.Select(p => new Portal.ConfigurationFeaturesSubscriptionUpdateProductOptions { Product = p.Product, Prices = p.Prices }).ToList(),
            ScheduleAtPeriodEnd = new()
            {
                Conditions = ScheduledAtPeriodEnd.Select(type => new Portal.ConfigurationFeaturesSubscriptionUpdateScheduleAtPeriodEndConditionOptions { Type = type }).ToList(),
            },
        },
    };

    /// <summary>The portal's features as comparable lines: what we want ...</summary>
    private static IEnumerable<string> Describe(IReadOnlyList<(string Product, List<string?> Prices)> products) =>
    [
        "invoice_history True", "payment_method_update True",
        $"customer_update True {string.Join(",", CustomerUpdates.Order())}",
        $"subscription_cancel True at_period_end reasons True {string.Join(",", CancellationReasons.Order())}",
        $"subscription_update True price create_prorations {string.Join(",", ScheduledAtPeriodEnd.Order())}",
        .. products.OrderBy(p => p.Product, StringComparer.Ordinal).Select(p => $"product {p.Product} {string.Join(",", p.Prices.Order())}"),
    ];

    /// <summary>... and what Stripe has.</summary>
    private static IEnumerable<string> Describe(Portal.Configuration c)
    {
        var f = c.Features;
        return
        [
            $"invoice_history {f.InvoiceHistory?.Enabled}", $"payment_method_update {f.PaymentMethodUpdate?.Enabled}",
            $"customer_update {f.CustomerUpdate?.Enabled} {string.Join(",", (f.CustomerUpdate?.AllowedUpdates ?? []).Order())}",
            $"subscription_cancel {f.SubscriptionCancel?.Enabled} {f.SubscriptionCancel?.Mode} reasons {f.SubscriptionCancel?.CancellationReason?.Enabled} " +
            string.Join(",", (f.SubscriptionCancel?.CancellationReason?.Options ?? []).Order()),
            $"subscription_update {f.SubscriptionUpdate?.Enabled} {string.Join(",", f.SubscriptionUpdate?.DefaultAllowedUpdates ?? [])} " +
            $"{f.SubscriptionUpdate?.ProrationBehavior} {string.Join(",", (f.SubscriptionUpdate?.ScheduleAtPeriodEnd?.Conditions ?? []).Select(x => x.Type).Order())}",
            .. (f.SubscriptionUpdate?.Products ?? []).OrderBy(p => p.Product, StringComparer.Ordinal)
                .Select(p => $"product {p.Product} {string.Join(",", (p.Prices ?? []).Order())}"),
        ];
    }

    /// <summary>The endpoint at <paramref name="url"/> with exactly the applier's event types. Returns its secret when it was created now.</summary>
    private async Task<string?> EnsureWebhookEndpointAsync(Run run, string url, CancellationToken ct)
    {
        var service = new WebhookEndpointService(stripe);
        var found = await calls.CallAsync("list webhook endpoints", null, r => service.ListAsync(new WebhookEndpointListOptions { Limit = 100 }, r, ct), ct);
        var wanted = EventPosition.HandledEventTypes;
        var current = found.Data.FirstOrDefault(e => e.Url == url);
        if (current is null)
        {
            run.Changes.Add($"create webhook endpoint {url} for {string.Join(", ", wanted)}");
            if (run.DryRun) return null;
            var created = await calls.CallAsync("create webhook endpoint", run.Key("webhook"), r => service.CreateAsync(new WebhookEndpointCreateOptions
            {
                Url = url,
                EnabledEvents = wanted.ToList(),
                // Events arrive in the version Stripe.net speaks; the applier reads older shapes too.
                ApiVersion = StripeConfiguration.ApiVersion,
                Description = "LogiNexus Billing (stripe-setup)",
            }, r, ct), ct);
            return created.Secret;
        }

        var missing = wanted.Except(current.EnabledEvents).ToList();
        var extra = current.EnabledEvents.Except(wanted).ToList();
        var disabled = current.Status == "disabled";
        if (missing.Count > 0 || extra.Count > 0 || disabled)
        {
            run.Changes.Add($"update webhook endpoint {current.Id}:" +
                            (missing.Count > 0 ? $" add {string.Join(", ", missing)};" : "") +
                            (extra.Count > 0 ? $" remove {string.Join(", ", extra)};" : "") +
                            (disabled ? " enable;" : ""));
            if (!run.DryRun)
                await calls.CallAsync("update webhook endpoint", null, r => service.UpdateAsync(current.Id, new WebhookEndpointUpdateOptions
                {
                    EnabledEvents = wanted.ToList(),
                    Disabled = disabled ? false : null,
                }, r, ct), ct);
        }
        run.Notes.Add($"STRIPE_WEBHOOK_SECRET: endpoint {current.Id} already exists, and Stripe shows its signing secret only when it is created: " +
                      "keep the one you have (or roll it in the dashboard and set the new one).");
        return null;
    }
}
