namespace Billing.Tests.Usage;

/// <summary>
/// Concurrent consumes on one tenant near its limit, through UsageService on real PostgreSQL: whatever the
/// coalescing does, the answers must be those of some one-by-one order.
/// </summary>
public sealed class ConsumeOrderTests : UsageServiceTests
{
    private sealed record Answer(int Quantity, bool Granted, long Used, string? Key);

    private async Task<Answer[]> ConsumeConcurrentlyAsync(Guid tenant, int[] quantities, bool withKeys)
    {
        var attempts = quantities.Select((q, i) => Task.Run(async () =>
        {
            var key = withKeys ? $"order-{i}" : null;
            try
            {
                var result = await Usage.ConsumeAsync(tenant, "api_calls", q, key, default);
                return new Answer(q, true, result.Used, key);
            }
            catch (BillingException e) when (e.Kind == ErrorKind.PlanLimitExceeded)
            {
                Assert.Equal(1000L, e.Extensions["limit"]);
                return new Answer(q, false, (long)e.Extensions["used"]!, key);
            }
        }));
        return await Task.WhenAll(attempts);
    }

    /// <summary>
    /// The grants, ordered by the count they answered, must each add exactly their quantity to the one
    /// before (a chain from the starting count); every refusal must have been decided at a count in that
    /// chain, where its quantity did not fit; and the stored count must be the end of the chain.
    /// </summary>
    private static void AssertSomeSequentialOrder(long startCount, long limit, Answer[] answers, long stored)
    {
        var grants = answers.Where(a => a.Granted).OrderBy(a => a.Used).ToList();
        var states = new HashSet<long> { startCount };
        var count = startCount;
        foreach (var grant in grants)
        {
            Assert.Equal(count + grant.Quantity, grant.Used);
            count = grant.Used;
            states.Add(count);
        }
        Assert.True(count <= limit, $"overshoot: {count} > {limit}");
        Assert.Equal(count, stored);
        foreach (var refusal in answers.Where(a => !a.Granted))
        {
            Assert.Contains(refusal.Used, states);
            Assert.True(refusal.Quantity > limit - refusal.Used,
                $"under-grant: {refusal.Quantity} refused at {refusal.Used} of {limit}");
        }
    }

    private static int[] MixedQuantities(int seed) =>
        Enumerable.Range(0, 200).Select(i => new Random(seed + i).Next(1, 8)).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Concurrent_mixed_consumes_near_the_limit_answer_as_some_sequential_order(bool withKeys)
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "api_calls", 700, null, default); // free plan: 1000 api_calls

        var answers = await ConsumeConcurrentlyAsync(tenant, MixedQuantities(withKeys ? 7 : 3), withKeys);

        var stored = await Db.ScalarAsync<long>(Env.SharedDatabase, "SELECT api_calls_count FROM usage_records WHERE tenant_id = $1", tenant);
        Assert.Equal(700 + answers.Where(a => a.Granted).Sum(a => a.Quantity), stored);
        Assert.Contains(answers, a => !a.Granted); // demand (~800) is well over the 300 left
        AssertSomeSequentialOrder(700, 1000, answers, stored);

        if (withKeys)
        {
            foreach (var grant in answers.Where(a => a.Granted))
                Assert.Equal(grant.Used, (await Usage.ConsumeAsync(tenant, "api_calls", grant.Quantity, grant.Key, default)).Used);
            Assert.Equal(stored, await Db.ScalarAsync<long>(Env.SharedDatabase, "SELECT api_calls_count FROM usage_records WHERE tenant_id = $1", tenant));
        }
    }

    [Fact]
    public async Task Concurrent_keyed_and_unkeyed_consumes_answer_as_some_sequential_order()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "api_calls", 850, null, default);
        var quantities = MixedQuantities(11);

        var attempts = quantities.Select((q, i) => Task.Run(async () =>
        {
            try
            {
                var result = await Usage.ConsumeAsync(tenant, "api_calls", q, i % 3 == 0 ? $"mixed-{i}" : null, default);
                return new Answer(q, true, result.Used, null);
            }
            catch (BillingException e) when (e.Kind == ErrorKind.PlanLimitExceeded)
            {
                return new Answer(q, false, (long)e.Extensions["used"]!, null);
            }
        }));
        var answers = await Task.WhenAll(attempts);

        var stored = await Db.ScalarAsync<long>(Env.SharedDatabase, "SELECT api_calls_count FROM usage_records WHERE tenant_id = $1", tenant);
        AssertSomeSequentialOrder(850, 1000, answers, stored);
    }

    [Fact]
    public async Task Consumes_of_64_clients_over_8_tenants_near_their_limits_answer_as_some_sequential_order_per_tenant()
    {
        // Free plan: 1000 api_calls and 50 shipments. Each tenant starts near both limits; its demand is well over.
        var tenants = Enumerable.Range(0, 8).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var tenant in tenants)
        {
            await Usage.ConsumeAsync(tenant, "api_calls", 900, null, default);
            await Usage.ConsumeAsync(tenant, "shipments", 40, null, default);
        }
        var work = Enumerable.Range(0, 960).Select(i => (Tenant: tenants[i % 8], Resource: i % 3 == 0 ? "shipments" : "api_calls", Quantity: 1 + new Random(i).Next(0, 5))).ToArray();
        var next = -1;
        var answers = new System.Collections.Concurrent.ConcurrentBag<(Guid Tenant, string Resource, Answer Answer)>();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (int i; (i = Interlocked.Increment(ref next)) < work.Length;)
            {
                var (tenant, resource, quantity) = work[i];
                try
                {
                    var result = await Usage.ConsumeAsync(tenant, resource, quantity, null, default);
                    answers.Add((tenant, resource, new Answer(quantity, true, result.Used, null)));
                }
                catch (BillingException e) when (e.Kind == ErrorKind.PlanLimitExceeded)
                {
                    answers.Add((tenant, resource, new Answer(quantity, false, (long)e.Extensions["used"]!, null)));
                }
            }
        })));

        Assert.Equal(work.Length, answers.Count);
        foreach (var tenant in tenants)
        {
            foreach (var (resource, column, start, limit) in new[] { ("api_calls", "api_calls_count", 900L, 1000L), ("shipments", "shipments_count", 40L, 50L) })
            {
                var mine = answers.Where(a => a.Tenant == tenant && a.Resource == resource).Select(a => a.Answer).ToArray();
                var stored = await Db.ScalarAsync<long>(Env.SharedDatabase, $"SELECT {column} FROM usage_records WHERE tenant_id = $1", tenant);
                Assert.Contains(mine, a => !a.Granted);
                AssertSomeSequentialOrder(start, limit, mine, stored);
            }
        }
    }

    [Fact]
    public async Task A_refused_large_request_does_not_block_a_later_small_one()
    {
        var tenant = Guid.NewGuid();
        await Usage.ConsumeAsync(tenant, "escrows", 3, null, default); // free: 5 escrows

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            try { return (await Usage.ConsumeAsync(tenant, "escrows", i % 2 == 0 ? 3 : 1, null, default)).Used; }
            catch (BillingException e) when (e.Kind == ErrorKind.PlanLimitExceeded) { return -1; }
        })));

        Assert.Equal(2, results.Count(r => r > 0)); // exactly the two 1s that fit, whatever the order
        Assert.Equal(5L, await Db.ScalarAsync<long>(Env.SharedDatabase, "SELECT escrows_count FROM usage_records WHERE tenant_id = $1", tenant));
    }

    [Fact]
    public async Task A_new_tenant_under_concurrent_first_consumes_is_created_once_and_counts_each()
    {
        var tenant = Guid.NewGuid();

        var results = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => Task.Run(() => Usage.ConsumeAsync(tenant, "api_calls", 2, null, default))));

        Assert.Equal(Enumerable.Range(1, 60).Select(i => 2L * i), results.Select(r => r.Used).Order());
        Assert.Equal(120L, await Db.ScalarAsync<long>(Env.SharedDatabase, "SELECT api_calls_count FROM usage_records WHERE tenant_id = $1", tenant));
    }
}
