using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Core.Usage;

public sealed record RolloverResult(int TenantsRolled, int UsageRowsCreated);

/// <summary>
/// Advances every ended billing period and opens the new period's usage row, in one set-based statement
/// (DESIGN.md section 10). The arithmetic is <see cref="BillingPeriod.Current"/>'s, in UTC: whole months
/// from the stored start, with the month count from <c>age()</c> corrected by one either way at month ends.
/// Running it twice, or twice at once, changes nothing more: the UPDATE re-checks <c>billing_period_end</c>
/// under the row lock, and the usage rows are inserted with ON CONFLICT DO NOTHING.
/// </summary>
public sealed class UsageRollover(NpgsqlDataSource db, TimeProvider clock, ILogger<UsageRollover> logger)
{
    private const string Sql = """
        WITH due AS (
            SELECT id, billing_period_start AT TIME ZONE 'UTC' AS s,
                   (date_part('year', age($1 AT TIME ZONE 'UTC', billing_period_start AT TIME ZONE 'UTC')) * 12
                  + date_part('month', age($1 AT TIME ZONE 'UTC', billing_period_start AT TIME ZONE 'UTC')))::int AS k
              FROM tenants
             WHERE billing_period_end <= $1 AND billing_period_start < billing_period_end
        ), months AS (
            SELECT id, s,
                   CASE WHEN s + (k + 1) * interval '1 month' <= $1 AT TIME ZONE 'UTC' THEN k + 1
                        WHEN s + k * interval '1 month' > $1 AT TIME ZONE 'UTC' THEN k - 1
                        ELSE k END AS k
              FROM due
        ), rolled AS (
            UPDATE tenants t
               SET billing_period_start = (m.s + m.k * interval '1 month') AT TIME ZONE 'UTC',
                   billing_period_end = (m.s + (m.k + 1) * interval '1 month') AT TIME ZONE 'UTC',
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
