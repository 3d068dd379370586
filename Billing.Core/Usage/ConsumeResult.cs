namespace Billing.Core.Usage;

public sealed record ResourceUsage(long Used, long Limit, long? Remaining)
{
    public static ResourceUsage Of(long used, long limit) =>
        new(used, limit, limit < 0 ? null : Math.Max(0, limit - used));
}

/// <summary>The answer to a consume or a release: the count after it, the plan's limit and what is left.</summary>
public sealed record ConsumeResult(string Resource, long Used, long Limit, long? Remaining)
{
    /// <summary>The one way to build an answer: remaining follows from the count and the limit (none when unlimited).</summary>
    public static ConsumeResult Of(Resource resource, long used, long limit)
    {
        var usage = ResourceUsage.Of(used, limit);
        return new ConsumeResult(WireNames.Of(resource), usage.Used, usage.Limit, usage.Remaining);
    }
}

public sealed record UsageReport(
    PlanTier PlanTier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    ResourceUsage Shipments, ResourceUsage Escrows, ResourceUsage ApiCalls);

/// <summary>The refusal of a consume that does not fit: 402 <c>plan_limit_exceeded</c> with the count it was decided at.</summary>
internal static class LimitExceeded
{
    public static BillingException Refuse(ILogger logger, Guid tenantId, PlanTier tier, Resource resource, int quantity, long limit, long used)
    {
        logger.LogInformation("Refused {Quantity} {Resource} for tenant {TenantId}: {Used} of {Limit} used",
            quantity, WireNames.Of(resource), tenantId, used, limit);
        return new BillingException(ErrorKind.PlanLimitExceeded, "plan_limit_exceeded",
            $"The {WireNames.Of(tier)} plan allows {limit} {WireNames.Of(resource)} per period.",
            extensions: new Dictionary<string, object?>
            {
                ["resource"] = WireNames.Of(resource),
                ["limit"] = limit,
                ["used"] = used,
                ["plan_tier"] = WireNames.Of(tier),
            });
    }
}
