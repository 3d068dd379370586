using Billing.Core.Plans;
using Billing.Core.Usage;
using Npgsql;

namespace Billing.Core.Tenants;

/// <summary>
/// Finds a tenant's billing row, creating it (plan <c>free</c>, this calendar month) on the tenant's first
/// authenticated request. One round trip: an <c>INSERT … ON CONFLICT DO NOTHING</c> and a <c>SELECT</c>
/// in one batch, so two first requests racing each other both see the one row.
/// </summary>
public sealed class TenantDirectory(NpgsqlDataSource db, TimeProvider clock)
{
    private const string Columns =
        "id, stripe_customer_id, stripe_subscription_id, plan_tier, subscription_status, cancel_at_period_end, " +
        "billing_period_start, billing_period_end, subscription_event_at, created_at, updated_at";

    public async Task<Tenant> GetOrCreateAsync(Guid tenantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var month = BillingPeriod.CalendarMonth(now);

        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            INSERT INTO tenants (id, plan_tier, subscription_status, cancel_at_period_end,
                                 billing_period_start, billing_period_end, created_at, updated_at)
            VALUES ($1, 'free', 'active', false, $2, $3, $4, $4)
            ON CONFLICT (id) DO NOTHING
            """)
        {
            Parameters = { new() { Value = tenantId }, new() { Value = month.Start }, new() { Value = month.End }, new() { Value = now } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {Columns} FROM tenants WHERE id = $1")
        {
            Parameters = { new() { Value = tenantId } },
        });

        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new InvalidOperationException($"Tenant {tenantId} vanished between insert and select.");
        return Read(reader);
    }

    private static Tenant Read(NpgsqlDataReader r) => new()
    {
        Id = r.GetGuid(0),
        StripeCustomerId = r.IsDBNull(1) ? null : r.GetString(1),
        StripeSubscriptionId = r.IsDBNull(2) ? null : r.GetString(2),
        PlanTier = WireNames.TryParseTier(r.GetString(3), out var tier) ? tier : throw new InvalidDataException($"Unknown plan tier '{r.GetString(3)}'."),
        SubscriptionStatus = r.GetString(4),
        CancelAtPeriodEnd = r.GetBoolean(5),
        BillingPeriodStart = r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        BillingPeriodEnd = r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
        SubscriptionEventAt = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(9),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(10),
    };
}
