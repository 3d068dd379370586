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
/// A consume call made with an <c>Idempotency-Key</c> (table <c>usage_consumptions</c>). <see cref="Used"/>
/// keeps the count the first call answered with, so a retry gets the first answer back.
/// </summary>
public sealed class UsageConsumption
{
    public Guid TenantId { get; set; }
    public string IdempotencyKey { get; set; } = "";
    public string Resource { get; set; } = "";
    public int Quantity { get; set; }
    public long Used { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
