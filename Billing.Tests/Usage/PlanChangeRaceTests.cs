namespace Billing.Tests.Usage;

/// <summary>
/// A plan change that races consumes: every consume is decided against the plan and period it holds a share lock
/// on, so the answers line up with one order of the consumes and the change.
/// </summary>
public sealed class PlanChangeRaceTests : UsageServiceTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    private Task<bool> BlocksSomeoneAsync(int pid) => Db.BlocksSomeoneAsync(Env.SharedDatabase, pid);

    private Task<bool> IsBlockedAsync(int pid) => Db.ScalarAsync<bool>(Env.SharedDatabase,
        "SELECT cardinality(pg_blocking_pids($1)) > 0", pid);

    private async Task<(bool Granted, long Used, long Limit)> TryConsumeAsync(Guid tenant, string? key)
    {
        try
        {
            var result = await Usage.ConsumeAsync(tenant, "escrows", 1, key, default);
            return (true, result.Used, result.Limit);
        }
        catch (BillingException e) when (e.Kind == ErrorKind.PlanLimitExceeded)
        {
            return (false, (long)e.Extensions["used"]!, (long)e.Extensions["limit"]!);
        }
    }

    [Fact]
    public async Task A_keyed_consume_racing_a_downgrade_is_decided_against_the_plan_it_locked()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(Env.SharedDatabase, tenant, "pro"); // pro: 100 escrows, free: 5
        await Usage.ConsumeAsync(tenant, "escrows", 4, null, default);

        // A transaction holding the same key un-committed makes the keyed consume wait at its claim, after it has
        // read its plan.
        await using var hold = await Db.HoldAsync(Env.SharedDatabase,
            "INSERT INTO usage_consumptions (tenant_id, idempotency_key, resource, quantity, used, created_at) VALUES ($1, 'race-1', 'escrows', 1, 0, now())",
            tenant);
        var keyed = Task.Run(() => TryConsumeAsync(tenant, "race-1"));
        Assert.True(await Eventually.TrueAsync(() => BlocksSomeoneAsync(hold.ProcessId), Within), "the keyed consume never reached its claim");

        // The downgrade: it commits at once unless the keyed consume holds the plan it read.
        await using var changer = new NpgsqlConnection(Env.SharedDatabase);
        await changer.OpenAsync();
        await using var downgrade = new NpgsqlCommand("UPDATE tenants SET plan_tier = 'free' WHERE id = $1", changer);
        downgrade.Parameters.Add(new() { Value = tenant });
        var downgraded = downgrade.ExecuteNonQueryAsync();
        await Eventually.TrueAsync(async () => downgraded.IsCompleted || await IsBlockedAsync(changer.ProcessID), Within);

        // An unkeyed consume after that, then the key's holder lets go.
        var unkeyed = Task.Run(() => TryConsumeAsync(tenant, null));
        await Eventually.TrueAsync(async () => unkeyed.IsCompleted || await BlocksSomeoneAsync(changer.ProcessID), Within);
        await hold.ReleaseAsync();
        var answers = new[] { await keyed, await unkeyed };
        await downgraded;

        // In the order of the counts they answered, the grants may move from pro's limit to free's, never back;
        // and the stored count is within the limit of the last one.
        var grants = answers.Where(a => a.Granted).OrderBy(a => a.Used).ToList();
        for (var i = 1; i < grants.Count; i++)
            Assert.False(grants[i - 1].Limit == 5 && grants[i].Limit == 100, $"granted {grants[i].Used} of pro's 100 after {grants[i - 1].Used} of free's 5");
        var stored = await Db.ScalarAsync<long>(Env.SharedDatabase, "SELECT escrows_count FROM usage_records WHERE tenant_id = $1", tenant);
        Assert.Equal(4 + grants.Count, stored);
        Assert.True(grants.Count == 0 || stored <= grants[^1].Limit, $"{stored} escrows stored after a grant against {grants[^1].Limit}");
    }
}
