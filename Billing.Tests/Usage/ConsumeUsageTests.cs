namespace Billing.Tests.Usage;

/// <summary>Consume on real PostgreSQL, through UsageService (no HTTP).</summary>
public sealed class ConsumeUsageTests : UsageServiceTests
{
    [Fact]
    public async Task Consume_never_exceeds_limit_under_concurrency()
    {
        var tenant = Guid.NewGuid();
        await Usage.GetAsync(tenant, default); // the free plan: 50 shipments

        var attempts = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(async () =>
        {
            try
            {
                await Usage.ConsumeAsync(tenant, "shipments", 1, null, default);
                return "ok";
            }
            catch (BillingException e) when (e.Kind == ErrorKind.PlanLimitExceeded)
            {
                return "refused";
            }
        })));

        Assert.Equal(50, attempts.Count(a => a == "ok"));
        Assert.Equal(150, attempts.Count(a => a == "refused"));
        Assert.Equal(50L, await Db.ScalarAsync<long>(Env.SharedDatabase,
            "SELECT shipments_count FROM usage_records WHERE tenant_id = $1", tenant));
    }

    [Fact]
    public async Task Refusal_reports_limit_used_and_plan()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "escrows", 4, null, default);

        var refusal = await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(tenant, "escrows", 2, null, default));

        Assert.Equal("plan_limit_exceeded", refusal.Code);
        Assert.Equal("escrows", refusal.Extensions["resource"]);
        Assert.Equal(5L, refusal.Extensions["limit"]);
        Assert.Equal(4L, refusal.Extensions["used"]);
        Assert.Equal("free", refusal.Extensions["plan_tier"]);
    }

    [Fact]
    public async Task Consume_up_to_the_limit_exactly_is_allowed()
    {
        var tenant = Guid.NewGuid();
        var result = await Usage.ConsumeAsync(tenant, "escrows", 5, null, default);
        Assert.Equal(new ConsumeResult("escrows", 5, 5, 0), result);
    }

    [Fact]
    public async Task Same_idempotency_key_counts_once()
    {
        var tenant = Guid.NewGuid();
        var first = await Usage.ConsumeAsync(tenant, "api_calls", 7, "order-42", default);
        await Usage.ConsumeAsync(tenant, "api_calls", 1, null, default);
        var replay = await Usage.ConsumeAsync(tenant, "api_calls", 7, "order-42", default);

        Assert.Equal(first, replay);
        Assert.Equal(8L, await Db.ScalarAsync<long>(Env.SharedDatabase,
            "SELECT api_calls_count FROM usage_records WHERE tenant_id = $1", tenant));
    }

    [Fact]
    public async Task Same_idempotency_key_sent_concurrently_counts_once()
    {
        var tenant = Guid.NewGuid();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => Usage.ConsumeAsync(tenant, "shipments", 3, "retry-storm", default))));

        Assert.All(results, r => Assert.Equal(3, r.Used));
        Assert.Equal(3L, await Db.ScalarAsync<long>(Env.SharedDatabase,
            "SELECT shipments_count FROM usage_records WHERE tenant_id = $1", tenant));
    }

    [Fact]
    public async Task Idempotency_key_reused_for_a_different_request_is_a_conflict()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "shipments", 1, "key-1", default);

        var conflict = await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(tenant, "shipments", 2, "key-1", default));

        Assert.Equal("idempotency_key_reused", conflict.Code);
    }

    [Fact]
    public async Task Refused_consume_does_not_burn_its_idempotency_key()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "escrows", 5, null, default);

        await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(tenant, "escrows", 1, "escrow-9", default));

        Assert.Equal(0L, await Db.ScalarAsync<long>(Env.SharedDatabase,
            "SELECT count(*) FROM usage_consumptions WHERE tenant_id = $1", tenant));
    }

    [Fact]
    public async Task Ended_period_rolls_forward_on_consume()
    {
        await using var at = UsageAt(new DateTimeOffset(2026, 5, 10, 12, 0, 0, TimeSpan.Zero));
        var usage = at.Usage;
        var tenant = Guid.NewGuid();
        // A pro tenant whose Stripe period ended in March and whose renewal webhook never came.
        await Db.SeedTenantAsync(Env.SharedDatabase, tenant, "pro",
            new DateTimeOffset(2026, 2, 15, 8, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 15, 8, 0, 0, TimeSpan.Zero));

        await usage.ConsumeAsync(tenant, "shipments", 2, null, default);
        var report = await usage.GetAsync(tenant, default);

        Assert.Equal(new DateTimeOffset(2026, 4, 15, 8, 0, 0, TimeSpan.Zero), report.PeriodStart);
        Assert.Equal(new DateTimeOffset(2026, 5, 15, 8, 0, 0, TimeSpan.Zero), report.PeriodEnd);
        Assert.Equal(2, report.Shipments.Used);
        Assert.Equal(1L, await Db.ScalarAsync<long>(Env.SharedDatabase,
            "SELECT count(*) FROM usage_records WHERE tenant_id = $1 AND period_start = $2", tenant, report.PeriodStart));
    }

    [Fact]
    public async Task New_period_starts_counting_from_zero()
    {
        await using var at = UsageAt(new DateTimeOffset(2026, 1, 31, 23, 59, 0, TimeSpan.Zero));
        var usage = at.Usage;
        var tenant = Guid.NewGuid();

        await usage.ConsumeAsync(tenant, "escrows", 5, null, default);
        at.Clock.Advance(TimeSpan.FromMinutes(2)); // into February
        var result = await usage.ConsumeAsync(tenant, "escrows", 1, null, default);

        Assert.Equal(1, result.Used);
    }

    [Fact]
    public async Task Disabled_billing_counts_but_never_refuses()
    {
        await using var services = Env.CreateServices(new Dictionary<string, string?> { ["BILLING_ENABLED"] = "false" });
        var usage = services.GetRequiredService<UsageService>();
        var tenant = Guid.NewGuid();

        await usage.ConsumeAsync(tenant, "escrows", 5, null, default);
        var over = await usage.ConsumeAsync(tenant, "escrows", 3, null, default);

        Assert.Equal(8, over.Used);
        Assert.Equal(5, over.Limit);
        Assert.Equal(0, over.Remaining);
    }

    [Fact]
    public async Task Demo_mode_enforces_limits()
    {
        await using var services = Env.CreateServices(new Dictionary<string, string?> { ["STRIPE_SECRET_KEY"] = "", ["DEMO_MODE"] = "true" });
        var usage = services.GetRequiredService<UsageService>();
        var tenant = Guid.NewGuid();

        await usage.ConsumeAsync(tenant, "escrows", 5, null, default);
        var refused = await Assert.ThrowsAsync<BillingException>(() => usage.ConsumeAsync(tenant, "escrows", 1, null, default));

        Assert.Equal(ErrorKind.PlanLimitExceeded, refused.Kind);
    }

    [Fact]
    public async Task Unlimited_plan_never_refuses_and_reports_no_remaining()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(Env.SharedDatabase, tenant, "enterprise");

        var result = await Usage.ConsumeAsync(tenant, "escrows", 1000, null, default);

        Assert.Equal(new ConsumeResult("escrows", 1000, -1, null), result);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task Quantity_outside_1_to_1000_is_rejected(int quantity)
    {
        var error = await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(Guid.NewGuid(), "shipments", quantity, null, default));
        Assert.Equal(ErrorKind.ValidationFailed, error.Kind);
        Assert.Contains("quantity", error.Errors!.Keys);
    }

    [Fact]
    public async Task Unknown_resource_is_not_found()
    {
        var error = await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(Guid.NewGuid(), "containers", 1, null, default));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
    }
}
