using Billing.Core.Data;

namespace Billing.Core.Usage;

public sealed record RolloverResult(int TenantsRolled, int UsageRowsCreated, int KeysDeleted = 0);

/// <summary>
/// Advances every ended billing period and opens the new period's usage row, in batches of
/// <see cref="PeriodBatch"/> tenants in id order, each batch one statement and its own short transaction, so a
/// consume waits for at most one batch (it locks the tenant's plan row, which the batch holds). The arithmetic is
/// <see cref="BillingPeriod.Current"/>'s, in UTC: whole months from the stored start, with the month count from
/// <c>age()</c> corrected by one either way at month ends (the one place in SQL that advances a period); a period
/// whose end falls on a later day of the month than its start is anchored at its end, and a month slice of a yearly
/// subscription stops where the Stripe period of the tenant's subscription ends (<see cref="BillingPeriod.MonthSlice"/>).
/// Running it twice, or twice at once, changes nothing more: the UPDATE re-checks on the row it locks that the
/// period is still the one the batch read (PostgreSQL re-reads a row that changed since, so a period another run or a
/// webhook changed is left alone, for the next run if it has ended), and the usage rows are inserted with ON
/// CONFLICT DO NOTHING.
/// The same run then deletes <c>Idempotency-Key</c>s older than <c>USAGE_IDEMPOTENCY_RETENTION_DAYS</c>.
/// </summary>
public sealed class UsageRollover(NpgsqlDataSource db, TimeProvider clock, IOptions<BillingOptions> options, ILogger<UsageRollover> logger)
{
    /// <summary>Keys deleted per statement: each batch is its own short transaction.</summary>
    public const int KeyDeleteBatch = 5_000;

    // The oldest expired keys first, by the created_at index. SKIP LOCKED passes over a key a consume or
    // release holds right now (it goes in a later run), so the sweep never makes a request wait. A key whose
    // period is still open stays whatever its age (a long Stripe period, a trial): it may still be released.
    private const string DeleteExpiredKeysSql = """
        DELETE FROM usage_consumptions k
         USING (SELECT tenant_id, idempotency_key FROM usage_consumptions c
                 WHERE created_at < $1
                   AND NOT EXISTS (SELECT 1 FROM usage_records r
                                    WHERE r.tenant_id = c.tenant_id AND r.period_start = c.period_start AND r.period_end > $3)
                 ORDER BY created_at
                 LIMIT $2
                   FOR UPDATE SKIP LOCKED) old
         WHERE k.tenant_id = old.tenant_id AND k.idempotency_key = old.idempotency_key
        """;

    /// <summary>Tenants whose periods one statement advances: each batch is its own short transaction.</summary>
    public const int PeriodBatch = 1_000;

    // @now, @after (the last id of the batch before), @batch. The next ended periods in id order, advanced and
    // opened. The UPDATE takes each row's lock (a consume holding one is waited for: it is short) and re-checks there
    // that the period is still the one it read; a separate FOR UPDATE would write every row twice. Returns how many were due, rolled and opened,
    // and the last id, where the next batch starts.
    internal const string RollBatchSql = """
        WITH due AS (
            SELECT t.id, t.billing_period_start AS read_start, t.billing_period_end AS read_end, sub.period_end AT TIME ZONE 'UTC' AS stripe_end,
                   CASE WHEN date_part('day', t.billing_period_end AT TIME ZONE 'UTC') > date_part('day', t.billing_period_start AT TIME ZONE 'UTC')
                        THEN t.billing_period_end ELSE t.billing_period_start END AT TIME ZONE 'UTC' AS s
              FROM tenants t LEFT JOIN subscriptions sub ON sub.id = t.stripe_subscription_id
             WHERE t.id > @after AND t.billing_period_end <= @now AND t.billing_period_start < t.billing_period_end
             ORDER BY t.id
             LIMIT @batch
        ), aged AS (
            SELECT id, read_start, read_end, s, stripe_end,
                   (date_part('year', age(@now AT TIME ZONE 'UTC', s)) * 12 + date_part('month', age(@now AT TIME ZONE 'UTC', s)))::int AS k
              FROM due
        ), months AS (
            SELECT id, read_start, read_end, s, stripe_end,
                   CASE WHEN s + (k + 1) * interval '1 month' <= @now AT TIME ZONE 'UTC' THEN k + 1
                        WHEN s + k * interval '1 month' > @now AT TIME ZONE 'UTC' THEN k - 1
                        ELSE k END AS k
              FROM aged
        ), rolled AS (
            UPDATE tenants t
               SET billing_period_start = (m.s + m.k * interval '1 month') AT TIME ZONE 'UTC',
                   billing_period_end = LEAST(m.s + (m.k + 1) * interval '1 month',
                                              CASE WHEN m.stripe_end > m.s + m.k * interval '1 month' THEN m.stripe_end END) AT TIME ZONE 'UTC',
                   updated_at = @now
              FROM months m
             WHERE t.id = m.id AND t.billing_period_start = m.read_start AND t.billing_period_end = m.read_end
               -- The batch's id range, so PostgreSQL reaches the rows through the primary key: joined to the CTE
               -- alone it hashes the whole table once per batch (EXPLAIN: a sequential scan of every tenant).
               AND t.id > @after AND t.id <= (SELECT id FROM due ORDER BY id DESC LIMIT 1)
            RETURNING t.id, t.billing_period_start, t.billing_period_end
        ), opened AS (
            INSERT INTO usage_records (id, tenant_id, period_start, period_end,
                                       shipments_count, escrows_count, api_calls_count, created_at, updated_at)
            SELECT gen_random_uuid(), id, billing_period_start, billing_period_end, 0, 0, 0, @now, @now FROM rolled
            ON CONFLICT (tenant_id, period_start) DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM due)::int, (SELECT count(*) FROM rolled)::int, (SELECT count(*) FROM opened)::int,
               (SELECT id FROM due ORDER BY id DESC LIMIT 1)
        """;

    public async Task<RolloverResult> RunAsync(CancellationToken ct)
    {
        var rolled = await RollPeriodsAsync(ct);
        return rolled with { KeysDeleted = await DeleteExpiredKeysAsync(ct) };
    }

    /// <summary>Deletes keys created before now minus the retention, in batches of <see cref="KeyDeleteBatch"/>.</summary>
    public async Task<int> DeleteExpiredKeysAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var cutoff = clock.GetUtcNow().AddDays(-options.Value.IdempotencyRetentionDays);
        var deleted = await Batches.RunAsync(db, DeleteExpiredKeysSql, KeyDeleteBatch, parameters =>
        {
            parameters.Add(new NpgsqlParameter { Value = cutoff });
            parameters.Add(new NpgsqlParameter { Value = KeyDeleteBatch });
            parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        }, ct);
        logger.LogInformation("Deleted {Keys} idempotency keys created before {Cutoff} in {Elapsed} ms",
            deleted, cutoff, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        return deleted;
    }

    private async Task<RolloverResult> RollPeriodsAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var now = clock.GetUtcNow();
        var after = Guid.Empty;
        int due, rolled = 0, opened = 0, batches = 0;
        await using var connection = await db.OpenConnectionAsync(ct);
        do
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await using (var batch = new NpgsqlBatch(connection, tx))
            {
                // A batch's commit does not wait for its WAL flush, so its row locks are let go at once. Safe to lose
                // in a crash: the next run rolls the same periods again, a consume works its period out on read, and
                // any commit that builds on the batch (a consume in the new period's row) flushes the WAL up to it.
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit = off"));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(RollBatchSql)
                {
                    Parameters = { new("now", now), new("after", after), new("batch", PeriodBatch) },
                });
                await using var reader = await batch.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                due = reader.GetInt32(0);
                rolled += reader.GetInt32(1);
                opened += reader.GetInt32(2);
                if (!reader.IsDBNull(3)) after = reader.GetGuid(3);
            }
            await tx.CommitAsync(ct);
            batches++;
        } while (due == PeriodBatch);
        logger.LogInformation("Rolled {Tenants} ended periods over and opened {Rows} usage rows in {Batches} batches in {Elapsed} ms",
            rolled, opened, batches, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        return new RolloverResult(rolled, opened);
    }
}
