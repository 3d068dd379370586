namespace Billing.Core.Plans;

public enum PlanTier { Free, Pro, Enterprise }

public enum Resource { Shipments, Escrows, ApiCalls }

/// <summary>Per-period limits; a negative limit means unlimited.</summary>
public sealed record PlanLimits(long Shipments, long Escrows, long ApiCalls)
{
    public const long Unlimited = -1;

    public long For(Resource resource) => resource switch
    {
        Resource.Shipments => Shipments,
        Resource.Escrows => Escrows,
        Resource.ApiCalls => ApiCalls,
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };
}

/// <summary>How often a subscription is billed: Stripe's <c>recurring.interval</c>.</summary>
public enum BillingInterval { Month, Year }

/// <summary>
/// One price of a plan: <paramref name="Amount"/> in minor units of <paramref name="Currency"/> per
/// <paramref name="Interval"/>. A plan lists its prices per interval and currency, so another currency of the
/// same Stripe price is one more entry, not another shape.
/// </summary>
public sealed record PlanPrice(BillingInterval Interval, string Currency, long Amount)
{
    /// <summary>A price written as people say it (<c>99</c> dollars, <c>129_000</c> won), kept in Stripe's minor units.</summary>
    public static PlanPrice Of(BillingInterval interval, string currency, decimal amount) =>
        new(interval, currency, Currencies.ToMinorUnits(currency, amount));
}

public sealed record Plan(PlanTier Tier, string Name, PlanLimits Limits, IReadOnlyList<string> Features, IReadOnlyList<PlanPrice> Prices)
{
    public const string DefaultCurrency = Currencies.Usd;

    /// <summary>The price for <paramref name="interval"/> in <paramref name="currency"/>; null when the plan has none (free).</summary>
    public PlanPrice? PriceFor(BillingInterval interval, string currency = DefaultCurrency) =>
        Prices.FirstOrDefault(p => p.Interval == interval && p.Currency == currency);

    public long PriceMonthly => PriceFor(BillingInterval.Month)?.Amount ?? 0;

    public string Currency => DefaultCurrency;

    /// <summary>The intervals this plan is sold by, each one Stripe price (its currencies are that price's <c>currency_options</c>).</summary>
    public IReadOnlyList<BillingInterval> Intervals => Prices.Select(p => p.Interval).Distinct().ToList();

    /// <summary>The prices of one interval: the default currency's first, then the other currencies of the same Stripe price.</summary>
    public IReadOnlyList<PlanPrice> PricesFor(BillingInterval interval) =>
        Prices.Where(p => p.Interval == interval).OrderBy(p => p.Currency == DefaultCurrency ? 0 : 1).ThenBy(p => p.Currency, StringComparer.Ordinal).ToList();

    /// <summary>The Stripe lookup key of this plan's price for <paramref name="interval"/>, e.g. <c>loginexus_pro_yearly</c>.</summary>
    public string LookupKey(BillingInterval interval) =>
        $"loginexus_{WireNames.Of(Tier)}_{(interval == BillingInterval.Month ? "monthly" : "yearly")}";

    /// <summary>The id of this plan's Stripe product (Stripe lets us choose it, so setup finds it again by id).</summary>
    public string ProductId => $"loginexus_{WireNames.Of(Tier)}";
}

/// <summary>
/// The three plans (limits: docs/webhooks-and-usage.md#usage-metering-against-the-plans-limits). The catalogue is code, not data: a price change is a deploy, and
/// <c>stripe-setup</c> carries it to Stripe. A yearly price is two months free, written out here as data.
/// </summary>
public static class PlanCatalog
{
    public static readonly Plan Free = new(PlanTier.Free, "Free",
        new PlanLimits(50, 5, 1_000),
        ["Up to 50 shipments a month", "Up to 5 escrows a month", "1,000 API calls a month", "Community support"],
        []);

    // Each price in US dollars and in Korean won (round won amounts for the Korean market, not a conversion): one Stripe
    // price per plan and interval, USD its default currency and KRW one of its currency_options.
    public static readonly Plan Pro = new(PlanTier.Pro, "Pro",
        new PlanLimits(1_000, 100, 100_000),
        ["Up to 1,000 shipments a month", "Up to 100 escrows a month", "100,000 API calls a month", "Email support"],
        [
            PlanPrice.Of(BillingInterval.Month, Currencies.Usd, 99), PlanPrice.Of(BillingInterval.Month, Currencies.Krw, 129_000),
            PlanPrice.Of(BillingInterval.Year, Currencies.Usd, 990), PlanPrice.Of(BillingInterval.Year, Currencies.Krw, 1_290_000),
        ]);

    public static readonly Plan Enterprise = new(PlanTier.Enterprise, "Enterprise",
        new PlanLimits(PlanLimits.Unlimited, PlanLimits.Unlimited, PlanLimits.Unlimited),
        ["Unlimited shipments", "Unlimited escrows", "Unlimited API calls", "Priority support with SLA"],
        [
            PlanPrice.Of(BillingInterval.Month, Currencies.Usd, 499), PlanPrice.Of(BillingInterval.Month, Currencies.Krw, 649_000),
            PlanPrice.Of(BillingInterval.Year, Currencies.Usd, 4_990), PlanPrice.Of(BillingInterval.Year, Currencies.Krw, 6_490_000),
        ]);

    public static IReadOnlyList<Plan> All { get; } = [Free, Pro, Enterprise];

    /// <summary>The plans that are sold through Stripe.</summary>
    public static IReadOnlyList<Plan> Paid { get; } = [Pro, Enterprise];

    public static Plan For(PlanTier tier) => tier switch
    {
        PlanTier.Free => Free,
        PlanTier.Pro => Pro,
        PlanTier.Enterprise => Enterprise,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };
}

/// <summary>The wire names of tiers and resources as the contract spells them (openapi/billing.yaml), in one place.</summary>
public static class WireNames
{
    private static readonly Names<PlanTier> Tiers = new((PlanTier.Free, "free"), (PlanTier.Pro, "pro"), (PlanTier.Enterprise, "enterprise"));
    private static readonly Names<BillingInterval> Intervals = new((BillingInterval.Month, "month"), (BillingInterval.Year, "year"));
    private static readonly Names<Resource> Resources = new((Resource.Shipments, "shipments"), (Resource.Escrows, "escrows"), (Resource.ApiCalls, "api_calls"));

    public static string Of(PlanTier tier) => Tiers.Of(tier);

    public static bool TryParseTier(string? value, out PlanTier tier) => Tiers.TryParse(value, out tier);

    public static string Of(BillingInterval interval) => Intervals.Of(interval);

    public static bool TryParseInterval(string? value, out BillingInterval interval) => Intervals.TryParse(value, out interval);

    public static string Of(Resource resource) => Resources.Of(resource);

    public static bool TryParseResource(string? value, out Resource resource) => Resources.TryParse(value, out resource);

    /// <summary>One enum's wire names, each told once and read both ways.</summary>
    private sealed class Names<T>(params (T Value, string Name)[] names) where T : struct, Enum
    {
        public string Of(T value)
        {
            foreach (var (known, name) in names)
                if (EqualityComparer<T>.Default.Equals(known, value)) return name;
            throw new ArgumentOutOfRangeException(nameof(value), value, null);
        }

        public bool TryParse(string? text, out T value)
        {
            foreach (var (known, name) in names)
                if (name == text) { value = known; return true; }
            value = default;
            return false;
        }
    }
}
