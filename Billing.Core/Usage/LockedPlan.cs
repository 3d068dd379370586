namespace Billing.Core.Usage;

/// <summary>
/// The tier whose limits apply and the stored period of a tenant, read in a consume's own transaction and held
/// there (<c>FOR SHARE</c>) until it ends. Both paths that decide under their own transaction (a keyed consume,
/// and unkeyed ones the batch statement could not decide) decide against this: a plan change committed after an
/// earlier read cannot let a consume be decided against the old limit, and a change that comes later waits until
/// the consume is decided.
/// </summary>
internal sealed record LockedPlan(PlanTier Tier, DateTimeOffset? StoredStart, DateTimeOffset? StoredEnd)
{
    public long Limit(Resource resource) => PlanCatalog.For(Tier).Limits.For(resource);

    /// <summary>The period in force at <paramref name="now"/> (an ended stored period rolls forward, <see cref="BillingPeriod.Current"/>).</summary>
    public BillingPeriod Period(DateTimeOffset now) => BillingPeriod.Current(StoredStart, StoredEnd, now);

    /// <summary>Locks the tenant's plan in <paramref name="tx"/>, creating the tenant first (free, this month) on its first consume.</summary>
    public static async Task<LockedPlan> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid tenantId, DateTimeOffset now, TenantDirectory tenants, CancellationToken ct)
    {
        if (await ReadAsync(connection, tx, tenantId, now, ct) is { } plan) return plan;
        await tenants.GetOrCreateAsync(tenantId, ct);
        return await ReadAsync(connection, tx, tenantId, now, ct)
               ?? throw new InvalidOperationException($"Tenant {tenantId} vanished before its consume was decided.");
    }

    private static async Task<LockedPlan?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid tenantId, DateTimeOffset now, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(UsageSql.LockPlan, connection, tx) { Parameters = { new("tenant", tenantId), new("now", now) } };
        await using var reader = await read.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new LockedPlan(ParseTier(reader.GetString(0)),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
            reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    public static PlanTier ParseTier(string text) =>
        WireNames.TryParseTier(text, out var tier) ? tier : throw new InvalidDataException($"Unknown plan tier '{text}'.");
}
