namespace Billing.Core.Usage;

/// <summary>One tenant's counters for one period (table <c>usage_records</c>). Written by SQL, read by EF.</summary>
public sealed class UsageRecord
{
    public Guid Id { get; set; }
    public Guid TenantId { get; set; }
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset PeriodEnd { get; set; }
    public long ShipmentsCount { get; set; }
    public long EscrowsCount { get; set; }
    public long ApiCallsCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// A granted consume made with an <c>Idempotency-Key</c> (table <c>usage_consumptions</c>). <see cref="Used"/>
/// and <see cref="PlanLimit"/> keep the first answer, so a retry gets exactly that answer back;
/// <see cref="PeriodStart"/> is the period it was counted in, where a release gives it back
/// (<see cref="ReleasedAt"/>, once). Rows older than <c>USAGE_IDEMPOTENCY_RETENTION_DAYS</c> are deleted by
/// the rollover timer. Rows written before these columns existed have them null.
/// </summary>
public sealed class UsageConsumption
{
    public Guid TenantId { get; set; }
    public string IdempotencyKey { get; set; } = "";
    public string Resource { get; set; } = "";
    public int Quantity { get; set; }
    public long Used { get; set; }
    public long? PlanLimit { get; set; }
    public DateTimeOffset? PeriodStart { get; set; }
    public DateTimeOffset? ReleasedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
