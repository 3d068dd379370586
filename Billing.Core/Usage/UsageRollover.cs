using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Core.Usage;

public sealed record RolloverResult(int TenantsRolled, int UsageRowsCreated, int KeysDeleted = 0);

/// <summary>
/// Advances every ended billing period and opens the new period's usage row, in one set-based statement
/// (DESIGN.md section 10). The arithmetic is <see cref="BillingPeriod.Current"/>'s, in UTC: whole months
/// from the stored start (or end, when its day of the month is the later one), with the month count from
/// <c>age()</c> corrected by one either way at month ends. A month slice of a yearly subscription also stops
/// where the Stripe period of the tenant's subscription ends (<see cref="BillingPeriod.MonthSlice"/>).
/// Running it twice, or twice at once, changes nothing more: the UPDATE re-checks <c>billing_period_end</c>
/// under the row lock, and the usage rows are inserted with ON CONFLICT DO NOTHING.
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

    private const string Sql = """
        WITH due AS (
            SELECT id, s, stripe_end,
                   (date_part('year', age($1 AT TIME ZONE 'UTC', s)) * 12 + date_part('month', age($1 AT TIME ZONE 'UTC', s)))::int AS k
              FROM (SELECT t.id, sub.period_end AT TIME ZONE 'UTC' AS stripe_end,
                           CASE WHEN date_part('day', t.billing_period_end AT TIME ZONE 'UTC') > date_part('day', t.billing_period_start AT TIME ZONE 'UTC')
                                THEN t.billing_period_end ELSE t.billing_period_start END AT TIME ZONE 'UTC' AS s
                      FROM tenants t LEFT JOIN subscriptions sub ON sub.id = t.stripe_subscription_id
                     WHERE t.billing_period_end <= $1 AND t.billing_period_start < t.billing_period_end) anchored
        ), months AS (
            SELECT id, s, stripe_end,
                   CASE WHEN s + (k + 1) * interval '1 month' <= $1 AT TIME ZONE 'UTC' THEN k + 1
                        WHEN s + k * interval '1 month' > $1 AT TIME ZONE 'UTC' THEN k - 1
                        ELSE k END AS k
              FROM due
        ), rolled AS (
            UPDATE tenants t
               SET billing_period_start = (m.s + m.k * interval '1 month') AT TIME ZONE 'UTC',
                   billing_period_end = LEAST(m.s + (m.k + 1) * interval '1 month',
                                              CASE WHEN m.stripe_end > m.s + m.k * interval '1 month' THEN m.stripe_end END) AT TIME ZONE 'UTC',
                   updated_at = $1
              FROM months m
             WHERE t.id = m.id AND t.billing_period_end <= $1
            RETURNING t.id, t.billing_period_start, t.billing_period_end
        ), opened AS (
            INSERT INTO usage_records (id, tenant_id, period_start, period_end,
                                       shipments_count, escrows_count, api_calls_count, created_at, updated_at)
            SELECT gen_random_uuid(), id, billing_period_start, billing_period_end, 0, 0, 0, $1, $1 FROM rolled
            ON CONFLICT (tenant_id, period_start) DO NOTHING
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM rolled)::int, (SELECT count(*) FROM opened)::int
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
        var deleted = 0;
        int batch;
        do
        {
            await using var command = db.CreateCommand(DeleteExpiredKeysSql);
            command.Parameters.Add(new NpgsqlParameter { Value = cutoff });
            command.Parameters.Add(new NpgsqlParameter { Value = KeyDeleteBatch });
            command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
            batch = await command.ExecuteNonQueryAsync(ct);
            deleted += batch;
        } while (batch == KeyDeleteBatch);
        logger.LogInformation("Deleted {Keys} idempotency keys created before {Cutoff} in {Elapsed} ms",
            deleted, cutoff, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        return deleted;
    }

    private async Task<RolloverResult> RollPeriodsAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        await using var command = db.CreateCommand(Sql);
        command.CommandTimeout = 300;
        command.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var result = new RolloverResult(reader.GetInt32(0), reader.GetInt32(1));
        logger.LogInformation("Rolled {Tenants} ended periods over and opened {Rows} usage rows in {Elapsed} ms",
            result.TenantsRolled, result.UsageRowsCreated, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }
}
