namespace Billing.Tests.Usage;

/// <summary>Release and exact replays on real PostgreSQL, through UsageService (no HTTP).</summary>
public sealed class ReleaseUsageTests : UsageServiceTests
{
    private Task<long> StoredAsync(Guid tenant, string column = "shipments_count") =>
        Db.ScalarAsync<long>(Env.SharedDatabase, $"SELECT {column} FROM usage_records WHERE tenant_id = $1", tenant);

    [Fact]
    public async Task Release_gives_the_consumed_quantity_back()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "shipments", 2, null, default);
        await Usage.ConsumeAsync(tenant, "shipments", 5, "shipment-1", default);

        var released = await Usage.ReleaseAsync(tenant, "shipments", "shipment-1", default);

        Assert.Equal(new ConsumeResult("shipments", 2, 50, 48), released);
        Assert.Equal(2L, await StoredAsync(tenant));
    }

    [Fact]
    public async Task Repeated_release_answers_200_and_changes_nothing()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "shipments", 5, "shipment-2", default);
        await Usage.ReleaseAsync(tenant, "shipments", "shipment-2", default);
        await Usage.ConsumeAsync(tenant, "shipments", 3, null, default);

        var again = await Usage.ReleaseAsync(tenant, "shipments", "shipment-2", default);

        Assert.Equal(new ConsumeResult("shipments", 3, 50, 47), again);
        Assert.Equal(3L, await StoredAsync(tenant));
    }

    [Fact]
    public async Task Concurrent_releases_of_one_key_give_back_once()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "shipments", 10, null, default);
        await Usage.ConsumeAsync(tenant, "shipments", 4, "shipment-3", default);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Usage.ReleaseAsync(tenant, "shipments", "shipment-3", default))));

        Assert.All(answers, a => Assert.Equal(10, a.Used));
        Assert.Equal(10L, await StoredAsync(tenant));
    }

    [Fact]
    public async Task Release_of_an_unknown_key_is_not_found()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "shipments", 1, null, default);

        var error = await Assert.ThrowsAsync<BillingException>(() => Usage.ReleaseAsync(tenant, "shipments", "never-used", default));

        Assert.Equal("not_found", error.Code);
        Assert.Equal(1L, await StoredAsync(tenant));
    }

    [Fact]
    public async Task Release_of_a_refused_consume_is_not_found()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "escrows", 5, null, default);
        await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(tenant, "escrows", 1, "escrow-refused", default));

        var error = await Assert.ThrowsAsync<BillingException>(() => Usage.ReleaseAsync(tenant, "escrows", "escrow-refused", default));

        Assert.Equal("not_found", error.Code);
        Assert.Equal(5L, await StoredAsync(tenant, "escrows_count"));
    }

    [Fact]
    public async Task Release_with_another_tenants_key_or_resource_is_not_found()
    {
        var owner = Guid.NewGuid();
        var other = Guid.NewGuid();
        await Usage.ConsumeAsync(owner, "shipments", 3, "shared-name", default);

        var fromOther = await Assert.ThrowsAsync<BillingException>(() => Usage.ReleaseAsync(other, "shipments", "shared-name", default));
        var wrongResource = await Assert.ThrowsAsync<BillingException>(() => Usage.ReleaseAsync(owner, "escrows", "shared-name", default));

        Assert.Equal("not_found", fromOther.Code);
        Assert.Equal("not_found", wrongResource.Code);
        Assert.Equal(3L, await StoredAsync(owner));
    }

    [Fact]
    public async Task Release_after_the_period_ended_is_period_closed()
    {
        await using var at = UsageAt(new DateTimeOffset(2026, 5, 31, 23, 0, 0, TimeSpan.Zero));
        var usage = at.Usage;
        var tenant = Guid.NewGuid();
        await usage.ConsumeAsync(tenant, "shipments", 6, "may-shipment", default);
        at.Clock.Advance(TimeSpan.FromHours(2)); // into June

        var error = await Assert.ThrowsAsync<BillingException>(() => usage.ReleaseAsync(tenant, "shipments", "may-shipment", default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal("period_closed", error.Code);
        Assert.Equal(6L, await Db.ScalarAsync<long>(Env.SharedDatabase,
            "SELECT shipments_count FROM usage_records WHERE tenant_id = $1 AND period_start = $2", tenant, new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public async Task A_released_key_stays_spent()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "shipments", 2, "shipment-4", default);
        await Usage.ReleaseAsync(tenant, "shipments", "shipment-4", default);

        var error = await Assert.ThrowsAsync<BillingException>(() => Usage.ConsumeAsync(tenant, "shipments", 2, "shipment-4", default));

        Assert.Equal("idempotency_key_reused", error.Code);
        Assert.Equal(0L, await StoredAsync(tenant));
    }

    [Fact]
    public async Task Release_without_a_key_is_a_validation_error()
    {
        var error = await Assert.ThrowsAsync<BillingException>(() => Usage.ReleaseAsync(Guid.NewGuid(), "shipments", null, default));
        Assert.Equal(ErrorKind.ValidationFailed, error.Kind);
        Assert.Contains("Idempotency-Key", error.Errors!.Keys);
    }

    [Fact]
    public async Task Replay_answers_the_first_limit_and_remaining_after_a_plan_change()
    {
        var tenant = Guid.NewGuid();
        var first = await Usage.ConsumeAsync(tenant, "shipments", 7, "before-upgrade", default);
        await Db.ExecuteAsync(Env.SharedDatabase, "UPDATE tenants SET plan_tier = 'pro', limits_tier = 'pro' WHERE id = $1", tenant);
        await Usage.ConsumeAsync(tenant, "shipments", 1, null, default);

        var replay = await Usage.ConsumeAsync(tenant, "shipments", 7, "before-upgrade", default);

        Assert.Equal(new ConsumeResult("shipments", 7, 50, 43), first);
        Assert.Equal(first, replay);
    }
}
