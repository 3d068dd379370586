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

/// <summary><paramref name="PriceMonthly"/> is in minor units of <paramref name="Currency"/>.</summary>
public sealed record Plan(PlanTier Tier, string Name, long PriceMonthly, string Currency, PlanLimits Limits, IReadOnlyList<string> Features);

/// <summary>The three plans of DESIGN.md section 10. The catalogue is code, not data: a price change is a deploy.</summary>
public static class PlanCatalog
{
    public static readonly Plan Free = new(PlanTier.Free, "Free", 0, "usd",
        new PlanLimits(50, 5, 1_000),
        ["Up to 50 shipments a month", "Up to 5 escrows a month", "1,000 API calls a month", "Community support"]);

    public static readonly Plan Pro = new(PlanTier.Pro, "Pro", 9_900, "usd",
        new PlanLimits(1_000, 100, 100_000),
        ["Up to 1,000 shipments a month", "Up to 100 escrows a month", "100,000 API calls a month", "Email support"]);

    public static readonly Plan Enterprise = new(PlanTier.Enterprise, "Enterprise", 49_900, "usd",
        new PlanLimits(PlanLimits.Unlimited, PlanLimits.Unlimited, PlanLimits.Unlimited),
        ["Unlimited shipments", "Unlimited escrows", "Unlimited API calls", "Priority support with SLA"]);

    public static IReadOnlyList<Plan> All { get; } = [Free, Pro, Enterprise];

    public static Plan For(PlanTier tier) => tier switch
    {
        PlanTier.Free => Free,
        PlanTier.Pro => Pro,
        PlanTier.Enterprise => Enterprise,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };
}

/// <summary>The wire names of tiers and resources (DESIGN.md section 6), in one place.</summary>
public static class WireNames
{
    public static string Of(PlanTier tier) => tier switch
    {
        PlanTier.Free => "free",
        PlanTier.Pro => "pro",
        PlanTier.Enterprise => "enterprise",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };

    public static bool TryParseTier(string? value, out PlanTier tier)
    {
        switch (value)
        {
            case "free": tier = PlanTier.Free; return true;
            case "pro": tier = PlanTier.Pro; return true;
            case "enterprise": tier = PlanTier.Enterprise; return true;
            default: tier = default; return false;
        }
    }

    public static string Of(Resource resource) => resource switch
    {
        Resource.Shipments => "shipments",
        Resource.Escrows => "escrows",
        Resource.ApiCalls => "api_calls",
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };

    public static bool TryParseResource(string? value, out Resource resource)
    {
        switch (value)
        {
            case "shipments": resource = Resource.Shipments; return true;
            case "escrows": resource = Resource.Escrows; return true;
            case "api_calls": resource = Resource.ApiCalls; return true;
            default: resource = default; return false;
        }
    }
}
