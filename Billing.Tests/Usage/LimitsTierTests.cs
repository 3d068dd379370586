using Billing.Core.Plans;

namespace Billing.Tests.Usage;

/// <summary>
/// Consume and usage count against <c>limits_tier</c>: a past-due tenant keeps its paid limits until its grace runs
/// out, then has free limits at once, with no event and no timer in between (the clock decides at read).
/// </summary>
public sealed class LimitsTierTests : UsageServiceTests
{
    /// <summary>A pro tenant whose payment failed, with the grace ending <paramref name="graceLeft"/> from now.</summary>
    private async Task<Guid> PastDueAsync(TimeSpan graceLeft)
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(Env.SharedDatabase, tenant, "pro");
        await Db.ExecuteAsync(Env.SharedDatabase,
            "UPDATE tenants SET subscription_status = 'past_due', payment_failed_at = $2, grace_until = $3 WHERE id = $1",
            tenant, DateTimeOffset.UtcNow.AddDays(-7) + graceLeft, DateTimeOffset.UtcNow + graceLeft);
        return tenant;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("keyed")]
    public async Task Past_due_keeps_paid_limits_within_the_grace(string? key)
    {
        var tenant = await PastDueAsync(TimeSpan.FromHours(1));

        var consumed = await Usage.ConsumeAsync(tenant, "shipments", 60, key, default);

        Assert.Equal(1_000, consumed.Limit);
        Assert.Equal(1_000, (await Usage.GetAsync(tenant, default)).Shipments.Limit);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("keyed")]
    public async Task Past_due_has_free_limits_once_the_grace_has_run_out(string? key)
    {
        var tenant = await PastDueAsync(TimeSpan.FromMinutes(-1));

        var refusal = await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(tenant, "shipments", 60, key, default));

        Assert.Equal("plan_limit_exceeded", refusal.Code);
        Assert.Equal(50L, refusal.Extensions["limit"]);
        Assert.Equal("free", refusal.Extensions["plan_tier"]);
        Assert.Equal(50, (await Usage.GetAsync(tenant, default)).Shipments.Limit);
    }

    [Fact]
    public async Task Subscription_shows_free_limits_once_the_grace_has_run_out_and_keeps_the_plan()
    {
        var within = await PastDueAsync(TimeSpan.FromHours(1));
        var after = await PastDueAsync(TimeSpan.FromMinutes(-1));
        await using var services = Env.CreateServices();
        var subscriptions = services.GetRequiredService<SubscriptionService>();

        var kept = await subscriptions.GetAsync(within, default);
        var lapsed = await subscriptions.GetAsync(after, default);

        Assert.Equal((PlanTier.Pro, PlanTier.Pro), (kept.PlanTier, kept.LimitsTier));
        Assert.Equal((PlanTier.Pro, PlanTier.Free), (lapsed.PlanTier, lapsed.LimitsTier));
        Assert.NotNull(lapsed.GraceUntil);
    }
}
