namespace Billing.Tests.Usage;

/// <summary>Unkeyed consumes of different tenants decided by one statement, on real PostgreSQL.</summary>
public sealed class CrossTenantBatchTests : UsageServiceTests
{
    [Fact]
    public async Task A_tenant_whose_row_a_long_transaction_holds_does_not_hold_up_another_tenants_consumes()
    {
        var held = Guid.NewGuid();
        var other = Guid.NewGuid();
        await Usage.ConsumeAsync(held, "shipments", 1, null, default);
        await Usage.ConsumeAsync(other, "shipments", 1, null, default);

        await using var hold = await Db.HoldAsync(Env.SharedDatabase, "SELECT 1 FROM usage_records WHERE tenant_id = $1 FOR UPDATE", held);

        // Interleaved, so the two tenants' consumes share batches.
        var consumes = Enumerable.Range(0, 40).Select(i => Task.Run(() => Usage.ConsumeAsync(i % 2 == 0 ? held : other, "shipments", 1, null, default))).ToArray();
        var heldConsumes = consumes.Where((_, i) => i % 2 == 0).ToArray();
        var otherConsumes = consumes.Where((_, i) => i % 2 == 1).ToArray();

        // The deadline only turns a hang into a failure: the other tenant's answers come while the lock is still held.
        var answered = await Task.WhenAll(otherConsumes).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(2, 20).Select(i => (long)i), answered.Select(a => a.Used).Order());
        Assert.DoesNotContain(heldConsumes, c => c.IsCompleted);

        await hold.ReleaseAsync();
        var late = await Task.WhenAll(heldConsumes);
        Assert.Equal(Enumerable.Range(2, 20).Select(i => (long)i), late.Select(a => a.Used).Order());
    }
}
