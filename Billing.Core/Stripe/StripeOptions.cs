using Microsoft.Extensions.Configuration;

namespace Billing.Core.Stripe;

public sealed class StripeOptions
{
    /// <summary><c>sk_…</c> or <c>rk_…</c>; required unless <see cref="ForceDemoMode"/> (an empty key never means demo mode).</summary>
    [ConfigurationKeyName("STRIPE_SECRET_KEY")]
    public string SecretKey { get; set; } = "";

    /// <summary>One <c>whsec_…</c>, or several comma-separated while a secret is being rotated.</summary>
    [ConfigurationKeyName("STRIPE_WEBHOOK_SECRET")]
    public string WebhookSecret { get; set; } = "";

    [ConfigurationKeyName("STRIPE_PRICE_PRO")]
    public string PricePro { get; set; } = "";

    [ConfigurationKeyName("STRIPE_PRICE_ENTERPRISE")]
    public string PriceEnterprise { get; set; } = "";

    /// <summary>Optional: without it the yearly Pro price is not offered.</summary>
    [ConfigurationKeyName("STRIPE_PRICE_PRO_YEARLY")]
    public string PriceProYearly { get; set; } = "";

    /// <summary>Optional: without it the yearly Enterprise price is not offered.</summary>
    [ConfigurationKeyName("STRIPE_PRICE_ENTERPRISE_YEARLY")]
    public string PriceEnterpriseYearly { get; set; } = "";

    /// <summary>The billing portal configuration <c>stripe-setup</c> made (<c>bpc_…</c>); empty means the account's default.</summary>
    [ConfigurationKeyName("STRIPE_PORTAL_CONFIGURATION")]
    public string PortalConfiguration { get; set; } = "";

    /// <summary>Checkout shows a promotion code field.</summary>
    [ConfigurationKeyName("STRIPE_ALLOW_PROMOTION_CODES")]
    public bool AllowPromotionCodes { get; set; }

    /// <summary>Checkout computes tax with Stripe Tax: it asks for a billing address and saves it on the customer.</summary>
    [ConfigurationKeyName("STRIPE_AUTOMATIC_TAX")]
    public bool AutomaticTax { get; set; }

    /// <summary>Checkout lets a business enter its tax id (saved on the customer, with its name).</summary>
    [ConfigurationKeyName("STRIPE_TAX_ID_COLLECTION")]
    public bool TaxIdCollection { get; set; }

    /// <summary>Where Stripe.net sends API calls; empty means Stripe itself.</summary>
    [ConfigurationKeyName("STRIPE_API_BASE")]
    public string ApiBase { get; set; } = "";

    /// <summary>NCRONTAB of the ReconcileSubscriptions timer: once a day at a quiet hour (UTC).</summary>
    [ConfigurationKeyName("STRIPE_RECONCILE_SCHEDULE")]
    public string ReconcileSchedule { get; set; } = "0 30 3 * * *";

    /// <summary>Days of free trial a tenant's first subscription starts with; 0 means none.</summary>
    [ConfigurationKeyName("STRIPE_TRIAL_DAYS")]
    public int TrialDays { get; set; }

    /// <summary>Stripe's own limit on a trial.</summary>
    public const int MaxTrialDays = 730;

    /// <summary>
    /// The only way into demo mode (no Stripe and no payments, so upgrades are free; plan limits are enforced as ever):
    /// asked for, never fallen into.
    /// Refused in the Production environment.
    /// </summary>
    [ConfigurationKeyName("DEMO_MODE")]
    public bool ForceDemoMode { get; set; }

    /// <summary>
    /// How long one Stripe request may take before it counts as a timeout (and is retried). Three attempts and
    /// their backoff stay inside <see cref="StripeHttp.RetryBudget"/>; Stripe answers API calls in well under a second.
    /// </summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(9);

    /// <summary>How long one pooled connection to Stripe is reused; a new one resolves DNS again.</summary>
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(2);

    public bool IsDemo => ForceDemoMode;

    /// <summary>
    /// The Stripe mode whose events this app applies: live with a live key (<c>sk_live_</c>, or a restricted
    /// <c>rk_live_</c>), test with any other key and always in demo mode (demo events are test-mode events, so a
    /// live event never reaches a demo deployment's tenants).
    /// </summary>
    public bool IsLiveMode => !IsDemo && SecretKey.Trim() is var key &&
                              (key.StartsWith("sk_live_", StringComparison.Ordinal) || key.StartsWith("rk_live_", StringComparison.Ordinal));

    public IReadOnlyList<string> WebhookSecrets =>
        WebhookSecret.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The configured price id of a paid tier at an interval; null when that interval is not offered.</summary>
    public string? PriceFor(PlanTier tier, BillingInterval interval = BillingInterval.Month)
    {
        var id = (tier, interval) switch
        {
            (PlanTier.Pro, BillingInterval.Month) => PricePro,
            (PlanTier.Pro, BillingInterval.Year) => PriceProYearly,
            (PlanTier.Enterprise, BillingInterval.Month) => PriceEnterprise,
            (PlanTier.Enterprise, BillingInterval.Year) => PriceEnterpriseYearly,
            _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Only paid tiers have a Stripe price."),
        };
        return string.IsNullOrWhiteSpace(id) ? null : id;
    }

    /// <summary>Every configured price id, each with its tier and interval.</summary>
    public IEnumerable<(string PriceId, PlanTier Tier, BillingInterval Interval)> Prices =>
        from tier in new[] { PlanTier.Pro, PlanTier.Enterprise }
        from interval in new[] { BillingInterval.Month, BillingInterval.Year }
        let id = PriceFor(tier, interval)
        where id is not null
        select (id, tier, interval);

    /// <summary>The tier and interval a price id of ours stands for; null for anyone else's.</summary>
    public (PlanTier Tier, BillingInterval Interval)? PriceOf(string? priceId) =>
        priceId is null ? null : Prices.Where(p => p.PriceId == priceId).Select(p => ((PlanTier, BillingInterval)?)(p.Tier, p.Interval)).FirstOrDefault();

    public PlanTier? TierForPrice(string? priceId) => PriceOf(priceId)?.Tier;
}
