namespace Billing.Core.Usage;

/// <summary>
/// Consumes without an <c>Idempotency-Key</c>, coalesced across tenants. A consume that finds no statement in flight
/// goes out at once; those that arrive while one is in flight are decided together by the next statement
/// (<see cref="UsageSql.DecideBatch"/>, up to <see cref="MaxBatch"/>, no timer), one round trip and one commit for
/// the lot. PostgreSQL decides every limit under each row's lock, in the statement; each request gets the answer it
/// would have had alone, in arrival order: the batch's total of one tenant's resource is granted when it fits.
/// What the statement leaves undecided goes to that tenant's own path (<see cref="DecideLockedAsync"/>): a tenant
/// or period row that does not exist yet, an ended stored period, a row locked elsewhere (skipped, never waited
/// for, so one tenant's lock never holds up another's consume), or several requests of one resource whose total
/// does not fit (decided one by one there, so a refused large request does not block a later small one).
/// </summary>
internal sealed class UnkeyedConsumes(NpgsqlDataSource db, TenantDirectory tenants, TimeProvider clock, Func<bool> enforced, ILogger logger)
{
    /// <summary>At most this many waiting consumes are decided by one statement (and by one own-path transaction).</summary>
    public const int MaxBatch = 128;

    private readonly ConsumeLanes<int, Request, Task<ConsumeResult>> _batches = new(MaxBatch);
    private readonly ConsumeLanes<(Guid Tenant, Resource Resource), int, ConsumeResult> _ownPaths = new(MaxBatch);

    private readonly record struct Request(Guid TenantId, Resource Resource, int Quantity);

    public async Task<ConsumeResult> ConsumeAsync(Guid tenantId, Resource resource, int quantity, CancellationToken ct) =>
        await await _batches.SubmitAsync(0, new Request(tenantId, resource, quantity), DecideBatchAsync, ct);

    /// <summary>
    /// One statement for the batch. Each answer is a task: done when the statement decided it, or the request's
    /// own path, already started, when it did not (the next batch does not wait for it).
    /// </summary>
    private async Task<Outcome<Task<ConsumeResult>>[]> DecideBatchAsync(int lane, IReadOnlyList<Request> requests)
    {
        // One entry per tenant: the batch's total of each resource.
        var slots = new Dictionary<Guid, int>();
        var tenantIds = new List<Guid>();
        foreach (var r in requests)
            if (slots.TryAdd(r.TenantId, slots.Count)) tenantIds.Add(r.TenantId);
        var totals = new[] { new long[slots.Count], new long[slots.Count], new long[slots.Count] };
        foreach (var r in requests) totals[(int)r.Resource][slots[r.TenantId]] += r.Quantity;

        var decided = new Dictionary<Guid, (PlanTier Tier, long[] Before, long[] Added)>();
        await using (var cmd = db.CreateCommand(UsageSql.DecideBatch))
        {
            cmd.Parameters.Add(new NpgsqlParameter("tenants", tenantIds.ToArray()));
            cmd.Parameters.Add(new NpgsqlParameter("shipments", totals[(int)Resource.Shipments]));
            cmd.Parameters.Add(new NpgsqlParameter("escrows", totals[(int)Resource.Escrows]));
            cmd.Parameters.Add(new NpgsqlParameter("api_calls", totals[(int)Resource.ApiCalls]));
            cmd.Parameters.Add(new NpgsqlParameter("now", clock.GetUtcNow()));
            cmd.Parameters.Add(new NpgsqlParameter("enforced", enforced()));
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                decided[reader.GetGuid(0)] = (LockedPlan.ParseTier(reader.GetString(1)),
                    [reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)],
                    [reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)]);
            }
        }

        var outcomes = new Outcome<Task<ConsumeResult>>[requests.Count];
        foreach (var group in Enumerable.Range(0, requests.Count).GroupBy(i => (requests[i].TenantId, requests[i].Resource)))
        {
            var (tenantId, resource) = group.Key;
            var indexes = group.ToList(); // arrival order
            if (decided.TryGetValue(tenantId, out var row) && row.Added[(int)resource] > 0)
            {
                var limit = PlanCatalog.For(row.Tier).Limits.For(resource);
                var used = row.Before[(int)resource];
                foreach (var i in indexes)
                    outcomes[i] = Outcome<Task<ConsumeResult>>.Of(Task.FromResult(ConsumeResult.Of(resource, used += requests[i].Quantity, limit)));
            }
            else if (decided.TryGetValue(tenantId, out row) && indexes.Count == 1)
            {
                var limit = PlanCatalog.For(row.Tier).Limits.For(resource);
                outcomes[indexes[0]] = Outcome<Task<ConsumeResult>>.Fail(
                    LimitExceeded.Refuse(logger, tenantId, row.Tier, resource, requests[indexes[0]].Quantity, limit, row.Before[(int)resource]));
            }
            else
            {
                foreach (var i in indexes)
                    outcomes[i] = Outcome<Task<ConsumeResult>>.Of(_ownPaths.SubmitAsync((tenantId, resource), requests[i].Quantity, DecideLockedAsync));
            }
        }
        return outcomes;
    }

    /// <summary>
    /// The own path of one tenant's resource: one short transaction locks the plan (<see cref="LockedPlan"/>) and
    /// the current period's row (creating it), decides each request in arrival order against the locked count (a
    /// request is granted when it fits in what the earlier grants left) and writes once.
    /// </summary>
    private async Task<Outcome<ConsumeResult>[]> DecideLockedAsync((Guid Tenant, Resource Resource) key, IReadOnlyList<int> quantities)
    {
        var (tenantId, resource) = key;
        var now = clock.GetUtcNow();

        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var plan = await LockedPlan.LockAsync(connection, tx, tenantId, now, tenants, default);
        var period = plan.Period(now);
        var planLimit = plan.Limit(resource);
        var limit = enforced() ? planLimit : PlanLimits.Unlimited;
        long before;
        await using (var lockRow = new NpgsqlBatch(connection, tx))
        {
            lockRow.BatchCommands.Add(new NpgsqlBatchCommand(UsageSql.OpenPeriod)
            {
                Parameters =
                {
                    new("id", Guid.CreateVersion7(now)), new("tenant", tenantId),
                    new("period_start", period.Start), new("period_end", period.End), new("now", now),
                },
            });
            lockRow.BatchCommands.Add(new NpgsqlBatchCommand(UsageSql.LockCount(resource))
            {
                Parameters = { new("tenant", tenantId), new("period_start", period.Start) },
            });
            before = (long)(await lockRow.ExecuteScalarAsync())!;
        }

        var outcomes = new Outcome<ConsumeResult>[quantities.Count];
        var used = before;
        for (var i = 0; i < quantities.Count; i++)
        {
            if (limit < 0 || used + quantities[i] <= limit)
                outcomes[i] = Outcome<ConsumeResult>.Of(ConsumeResult.Of(resource, used += quantities[i], planLimit));
            else
                outcomes[i] = Outcome<ConsumeResult>.Fail(LimitExceeded.Refuse(logger, tenantId, plan.Tier, resource, quantities[i], planLimit, used));
        }

        if (used != before)
        {
            await using var write = new NpgsqlCommand(UsageSql.Add(resource), connection, tx)
            {
                Parameters = { new("tenant", tenantId), new("period_start", period.Start), new("quantity", used - before), new("now", now) },
            };
            await write.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return outcomes;
    }
}
