namespace Billing.Core.Usage;

/// <summary>
/// A consume with an <c>Idempotency-Key</c>. The key is claimed in the same transaction as the increment, under the
/// plan it locked (<see cref="LockedPlan"/>): a concurrent retry with the same key waits on the key's unique index
/// and then reads the first answer; a refused consume rolls the claim back, so the key can be used again once the
/// tenant has room. The claim keeps the period and the limit, so a replay answers exactly the first answer and a
/// release knows where to give it back.
/// </summary>
internal sealed class KeyedConsume(NpgsqlDataSource db, TenantDirectory tenants, TimeProvider clock, Func<bool> enforced, ILogger logger)
{
    public async Task<ConsumeResult> ConsumeAsync(Guid tenantId, Resource resource, int quantity, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var plan = await LockedPlan.LockAsync(connection, tx, tenantId, clock.GetUtcNow(), tenants, ct);
        var request = new Request(tenantId, resource, quantity, key, plan.Period(clock.GetUtcNow()), plan.Limit(resource));

        // A key the retention sweep deletes between a failed claim and the replay's read is claimed anew (once).
        for (var attempt = 0; !await ClaimAsync(connection, tx, request, ct); attempt++)
        {
            if (await ReplayAsync(connection, tx, request, ct) is { } replay) return replay;
            if (attempt > 0) throw new InvalidOperationException($"An Idempotency-Key of tenant {tenantId} is neither claimable nor readable.");
        }

        if (await TryIncrementAsync(connection, tx, request, ct) is not { } used)
        {
            await using var count = new NpgsqlCommand(UsageSql.Count(resource), connection, tx)
            {
                Parameters = { new("tenant", tenantId), new("period_start", request.Period.Start) },
            };
            var current = await count.ExecuteScalarAsync(ct) is long c ? c : 0;
            await tx.RollbackAsync(ct);
            throw LimitExceeded.Refuse(logger, tenantId, plan.Tier, resource, quantity, request.Limit, current);
        }

        await tx.CommitAsync(ct);
        return ConsumeResult.Of(resource, used, request.Limit);
    }

    private sealed record Request(Guid TenantId, Resource Resource, int Quantity, string Key, BillingPeriod Period, long Limit);

    /// <summary>Claims the key in the transaction; false when it was claimed before (then the first answer is replayed).</summary>
    private async Task<bool> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Request request, CancellationToken ct)
    {
        await using var claim = new NpgsqlCommand(UsageSql.Claim, connection, tx)
        {
            Parameters =
            {
                new("tenant", request.TenantId), new("key", request.Key), new("resource", WireNames.Of(request.Resource)),
                new("quantity", request.Quantity), new("limit", request.Limit), new("period_start", request.Period.Start),
                new("now", clock.GetUtcNow()),
            },
        };
        return await claim.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<ConsumeResult?> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Request request, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(UsageSql.Replay, connection, tx) { Parameters = { new("tenant", request.TenantId), new("key", request.Key) } };
        await using var reader = await read.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null; // swept by the retention run after the claim found it
        if (reader.GetString(0) != WireNames.Of(request.Resource) || reader.GetInt32(1) != request.Quantity)
        {
            throw BillingException.Conflict("idempotency_key_reused",
                "This Idempotency-Key was already used for a different resource or quantity.");
        }
        if (reader.GetBoolean(4))
        {
            throw BillingException.Conflict("idempotency_key_reused",
                "This Idempotency-Key belongs to a consume that was released; use a new key.");
        }
        // Keys claimed before plan_limit was recorded answer with the current plan's limit.
        return ConsumeResult.Of(request.Resource, reader.GetInt64(2), reader.IsDBNull(3) ? request.Limit : reader.GetInt64(3));
    }

    /// <summary>The new count, or null when the limit refuses it; the same statement writes the count on the key's claim.</summary>
    private async Task<long?> TryIncrementAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Request request, CancellationToken ct)
    {
        var limit = enforced() ? request.Limit : PlanLimits.Unlimited;
        // The statement's INSERT branch (the period's first consume) does not check the limit: a quantity over it is refused here.
        if (limit >= 0 && request.Quantity > limit)
            return null;

        var now = clock.GetUtcNow();
        await using var cmd = new NpgsqlCommand(UsageSql.KeyedIncrement(request.Resource), connection, tx)
        {
            Parameters =
            {
                new("id", Guid.CreateVersion7(now)), new("tenant", request.TenantId),
                new("period_start", request.Period.Start), new("period_end", request.Period.End),
                new("quantity", (long)request.Quantity), new("limit", limit), new("now", now), new("key", request.Key),
            },
        };
        return await cmd.ExecuteScalarAsync(ct) is long used ? used : null;
    }
}
