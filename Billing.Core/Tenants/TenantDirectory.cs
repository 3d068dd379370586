using Billing.Core.Usage;
using Billing.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Core.Tenants;

/// <summary>
/// Finds a tenant's billing row, creating it (plan <c>free</c>, this calendar month) on the tenant's first
/// authenticated request. The row is read through EF Core, so <see cref="BillingDbContext"/>'s model is the one
/// mapping of <c>tenants</c>: one query when the tenant exists; for a new tenant an
/// <c>INSERT … ON CONFLICT DO NOTHING</c> first, so two first requests racing each other both see the one row.
/// </summary>
public sealed class TenantDirectory(NpgsqlDataSource db, IDbContextFactory<BillingDbContext> contexts, TimeProvider clock)
{
    public async Task<Tenant> GetOrCreateAsync(Guid tenantId, CancellationToken ct)
    {
        await using var context = await contexts.CreateDbContextAsync(ct);
        if (await FindAsync(context, tenantId, ct) is { } existing)
            return existing;

        var now = clock.GetUtcNow();
        var month = BillingPeriod.CalendarMonth(now);
        await using (var insert = db.CreateCommand(
            """
            INSERT INTO tenants (id, plan_tier, subscription_status, cancel_at_period_end,
                                 billing_period_start, billing_period_end, created_at, updated_at)
            VALUES ($1, 'free', 'active', false, $2, $3, $4, $4)
            ON CONFLICT (id) DO NOTHING
            """))
        {
            insert.Parameters.Add(new() { Value = tenantId });
            insert.Parameters.Add(new() { Value = month.Start });
            insert.Parameters.Add(new() { Value = month.End });
            insert.Parameters.Add(new() { Value = now });
            await insert.ExecuteNonQueryAsync(ct);
        }
        return await FindAsync(context, tenantId, ct)
               ?? throw new InvalidOperationException($"Tenant {tenantId} vanished between insert and select.");
    }

    private static Task<Tenant?> FindAsync(BillingDbContext context, Guid tenantId, CancellationToken ct) =>
        context.Tenants.AsNoTracking().SingleOrDefaultAsync(t => t.Id == tenantId, ct);
}
