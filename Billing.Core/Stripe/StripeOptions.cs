using Billing.Core.Plans;
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

    /// <summary>Where Stripe.net sends API calls; empty means Stripe itself.</summary>
    [ConfigurationKeyName("STRIPE_API_BASE")]
    public string ApiBase { get; set; } = "";

    /// <summary>NCRONTAB of the ReconcileSubscriptions timer: once a day at a quiet hour (UTC).</summary>
    [ConfigurationKeyName("STRIPE_RECONCILE_SCHEDULE")]
    public string ReconcileSchedule { get; set; } = "0 30 3 * * *";

    /// <summary>
    /// The only way into demo mode (no Stripe, limits not enforced, so free upgrades): asked for, never fallen into.
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

    public IReadOnlyList<string> WebhookSecrets =>
        WebhookSecret.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string PriceFor(PlanTier tier) => tier switch
    {
        PlanTier.Pro => PricePro,
        PlanTier.Enterprise => PriceEnterprise,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Only paid tiers have a Stripe price."),
    };

    public PlanTier? TierForPrice(string? priceId) =>
        priceId is null ? null
        : priceId == PricePro ? PlanTier.Pro
        : priceId == PriceEnterprise ? PlanTier.Enterprise
        : null;
}
