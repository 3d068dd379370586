
namespace Billing.Core.Usage;

/// <summary>
/// Metering against plan limits: reads, consumes and releases. The database decides every grant under the usage
/// row's lock, so no interleaving of callers, in one process or many, can push a count past its limit. This class
/// checks the request and picks the path: unkeyed consumes are coalesced across tenants
/// (<see cref="UnkeyedConsumes"/>), keyed ones claim their key and move the count in one transaction
/// (<see cref="KeyedConsume"/>), and a release gives a keyed consume back (<see cref="UsageRelease"/>). Every
/// statement is in <see cref="UsageSql"/>.
/// </summary>
public sealed class UsageService
{
    public const int MaxQuantity = 1000;
    public const int MaxIdempotencyKeyLength = 255;
    public static readonly string QuantityRule = $"must be an integer from 1 to {MaxQuantity}";
    public static readonly string IdempotencyKeyRule = $"must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters, without spaces";

    private readonly NpgsqlDataSource _db;
    private readonly TenantDirectory _tenants;
    private readonly TimeProvider _clock;
    private readonly UnkeyedConsumes _unkeyed;
    private readonly KeyedConsume _keyed;
    private readonly UsageRelease _release;

    public UsageService(NpgsqlDataSource db, TenantDirectory tenants, TimeProvider clock,
        IOptions<BillingOptions> billing, ILogger<UsageService> logger)
    {
        (_db, _tenants, _clock) = (db, tenants, clock);
        // Limits are not enforced when billing is switched off; usage is still counted. Demo mode enforces them:
        // limits are local, demo mode only means no payments.
        bool Enforced() => billing.Value.Enabled;
        _unkeyed = new UnkeyedConsumes(db, tenants, clock, Enforced, logger);
        _keyed = new KeyedConsume(db, tenants, clock, Enforced, logger);
        _release = new UsageRelease(db, tenants, clock, logger);
    }

    public async Task<UsageReport> GetAsync(Guid tenantId, CancellationToken ct)
    {
        var tenant = await _tenants.GetOrCreateAsync(tenantId, ct);
        var now = _clock.GetUtcNow();
        var period = tenant.CurrentPeriod(now);
        var limits = PlanCatalog.For(tenant.LimitsTierAt(now)).Limits;

        await using var cmd = _db.CreateCommand(UsageSql.Counts);
        cmd.Parameters.Add(new NpgsqlParameter("tenant", tenantId));
        cmd.Parameters.Add(new NpgsqlParameter("period_start", period.Start));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var found = await reader.ReadAsync(ct);
        long Count(int ordinal) => found ? reader.GetInt64(ordinal) : 0;

        return new UsageReport(tenant.PlanTier, period.Start, period.End,
            ResourceUsage.Of(Count(0), limits.Shipments),
            ResourceUsage.Of(Count(1), limits.Escrows),
            ResourceUsage.Of(Count(2), limits.ApiCalls));
    }

    public async Task<ConsumeResult> ConsumeAsync(Guid tenantId, string resourceName, int quantity, string? idempotencyKey, CancellationToken ct)
    {
        var resource = ParseResource(resourceName);
        if (quantity is < 1 or > MaxQuantity)
            throw BillingException.Validation("quantity", QuantityRule);
        if (idempotencyKey is null)
            return await _unkeyed.ConsumeAsync(tenantId, resource, quantity, ct);
        if (!IsValidIdempotencyKey(idempotencyKey))
            throw BillingException.Validation("Idempotency-Key", IdempotencyKeyRule);
        return await _keyed.ConsumeAsync(tenantId, resource, quantity, idempotencyKey, ct);
    }

    /// <summary>Gives back the granted consume made with <paramref name="idempotencyKey"/> (<see cref="UsageRelease"/>).</summary>
    public async Task<ConsumeResult> ReleaseAsync(Guid tenantId, string resourceName, string? idempotencyKey, CancellationToken ct)
    {
        var resource = ParseResource(resourceName);
        if (idempotencyKey is null)
            throw BillingException.Validation("Idempotency-Key", "is required: the Idempotency-Key of the consume to give back");
        if (!IsValidIdempotencyKey(idempotencyKey))
            throw BillingException.Validation("Idempotency-Key", IdempotencyKeyRule);
        return await _release.ReleaseAsync(tenantId, resource, idempotencyKey, ct);
    }

    private static Resource ParseResource(string name) =>
        WireNames.TryParseResource(name, out var resource) ? resource : throw BillingException.NotFound("Unknown resource. Use shipments, escrows or api_calls.");

    private static bool IsValidIdempotencyKey(string key) =>
        key.Length is > 0 and <= MaxIdempotencyKeyLength && key.All(c => c is >= '!' and <= '~');
}
