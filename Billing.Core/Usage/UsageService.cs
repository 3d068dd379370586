using Billing.Core.Errors;
using Billing.Core.Plans;
using Billing.Core.Stripe;
using Billing.Core.Tenants;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Core.Usage;

public sealed record ResourceUsage(long Used, long Limit, long? Remaining)
{
    public static ResourceUsage Of(long used, long limit) =>
        new(used, limit, limit < 0 ? null : Math.Max(0, limit - used));
}

public sealed record ConsumeResult(string Resource, long Used, long Limit, long? Remaining);

public sealed record UsageReport(
    PlanTier PlanTier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    ResourceUsage Shipments, ResourceUsage Escrows, ResourceUsage ApiCalls);

/// <summary>
/// Metering against plan limits (DESIGN.md section 10). Every consume moves the count in one conditional
/// statement (an UPDATE in the common case, an upsert when the period's row is new) whose WHERE is the limit
/// check, so no interleaving of callers can push a count past its limit.
/// </summary>
public sealed class UsageService(
    NpgsqlDataSource db,
    TenantDirectory tenants,
    TimeProvider clock,
    IOptions<BillingOptions> billing,
    IOptions<StripeOptions> stripe,
    ILogger<UsageService> logger)
{
    public const int MaxQuantity = 1000;
    public const int MaxIdempotencyKeyLength = 255;
    public static readonly string QuantityRule = $"must be an integer from 1 to {MaxQuantity}";
    public static readonly string IdempotencyKeyRule = $"must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters, without spaces";

    /// <summary>Limits are not enforced when billing is switched off or in demo mode; usage is still counted.</summary>
    private bool Enforced => billing.Value.Enabled && !stripe.Value.IsDemo;

    public async Task<UsageReport> GetAsync(Guid tenantId, CancellationToken ct)
    {
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var period = tenant.CurrentPeriod(clock.GetUtcNow());
        var limits = PlanCatalog.For(tenant.PlanTier).Limits;

        await using var cmd = db.CreateCommand(
            "SELECT shipments_count, escrows_count, api_calls_count FROM usage_records WHERE tenant_id = $1 AND period_start = $2");
        cmd.Parameters.Add(new() { Value = tenantId });
        cmd.Parameters.Add(new() { Value = period.Start });
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
        if (!WireNames.TryParseResource(resourceName, out var resource))
            throw BillingException.NotFound("Unknown resource. Use shipments, escrows or api_calls.");
        if (quantity is < 1 or > MaxQuantity)
            throw BillingException.Validation("quantity", QuantityRule);
        if (idempotencyKey is not null && !IsValidIdempotencyKey(idempotencyKey))
            throw BillingException.Validation("Idempotency-Key", IdempotencyKeyRule);

        if (idempotencyKey is null && await TryConsumeInPlaceAsync(tenantId, resource, quantity, ct) is { } done)
            return done;

        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var request = new Consumption(tenant, resource, quantity, tenant.CurrentPeriod(clock.GetUtcNow()));

        return idempotencyKey is null
            ? await ConsumeOnceAsync(request, ct)
            : await ConsumeIdempotentlyAsync(request, idempotencyKey, ct);
    }

    /// <summary>
    /// The common case in one round trip: the tenant exists, its stored period is in force and the period's
    /// usage row exists. One statement reads the tenant's plan and period and runs the conditional UPDATE.
    /// Returns null when any of those does not hold, and the caller takes the general path.
    /// </summary>
    private async Task<ConsumeResult?> TryConsumeInPlaceAsync(Guid tenantId, Resource resource, int quantity, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(InPlaceSql[(int)resource]);
        cmd.Parameters.Add(new() { Value = tenantId });
        cmd.Parameters.Add(new() { Value = (long)quantity });
        cmd.Parameters.Add(new() { Value = clock.GetUtcNow() });
        cmd.Parameters.Add(new() { Value = Enforced });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct) || reader.IsDBNull(2))
            return null; // no tenant yet, an ended period, or no usage row for it yet

        var tier = WireNames.TryParseTier(reader.GetString(0), out var t) ? t : throw new InvalidDataException($"Unknown plan tier '{reader.GetString(0)}'.");
        var limit = PlanCatalog.For(tier).Limits.For(resource);
        if (!reader.IsDBNull(1))
        {
            var usage = ResourceUsage.Of(reader.GetInt64(1), limit);
            return new ConsumeResult(WireNames.Of(resource), usage.Used, usage.Limit, usage.Remaining);
        }
        throw Refusal(tenantId, tier, resource, quantity, limit, reader.GetInt64(2));
    }

    private async Task<ConsumeResult> ConsumeOnceAsync(Consumption request, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var used = await TryIncrementAsync(connection, null, request, ct)
                   ?? throw await LimitExceededAsync(connection, request, ct);
        return request.Result(used);
    }

    /// <summary>
    /// The key is claimed in the same transaction as the increment: a concurrent retry with the same key
    /// waits on the key's unique index and then reads the first answer; a refused consume rolls the claim
    /// back, so the key can be used again once the tenant has room.
    /// </summary>
    private async Task<ConsumeResult> ConsumeIdempotentlyAsync(Consumption request, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        await using (var claim = new NpgsqlCommand(
            """
            INSERT INTO usage_consumptions (tenant_id, idempotency_key, resource, quantity, used, created_at)
            VALUES ($1, $2, $3, $4, 0, $5)
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            """, connection, tx))
        {
            claim.Parameters.Add(new() { Value = request.Tenant.Id });
            claim.Parameters.Add(new() { Value = key });
            claim.Parameters.Add(new() { Value = request.ResourceName });
            claim.Parameters.Add(new() { Value = request.Quantity });
            claim.Parameters.Add(new() { Value = clock.GetUtcNow() });
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
                return await ReplayAsync(connection, tx, request, key, ct);
        }

        var used = await TryIncrementAsync(connection, tx, request, ct);
        if (used is null)
        {
            var refusal = await LimitExceededAsync(connection, request, ct, tx);
            await tx.RollbackAsync(ct);
            throw refusal;
        }

        await using (var record = new NpgsqlCommand(
            "UPDATE usage_consumptions SET used = $3 WHERE tenant_id = $1 AND idempotency_key = $2", connection, tx))
        {
            record.Parameters.Add(new() { Value = request.Tenant.Id });
            record.Parameters.Add(new() { Value = key });
            record.Parameters.Add(new() { Value = used.Value });
            await record.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return request.Result(used.Value);
    }

    private static async Task<ConsumeResult> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Consumption request, string key, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(
            "SELECT resource, quantity, used FROM usage_consumptions WHERE tenant_id = $1 AND idempotency_key = $2", connection, tx);
        read.Parameters.Add(new() { Value = request.Tenant.Id });
        read.Parameters.Add(new() { Value = key });
        await using var reader = await read.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetString(0) != request.ResourceName || reader.GetInt32(1) != request.Quantity)
        {
            throw BillingException.Conflict("idempotency_key_reused",
                "This Idempotency-Key was already used for a different resource or quantity.");
        }
        return request.Result(reader.GetInt64(2));
    }

    /// <summary>The one statement that moves a counter: it returns the new count, or null when the limit refuses it.</summary>
    private async Task<long?> TryIncrementAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Consumption request, CancellationToken ct)
    {
        var limit = Enforced ? request.Limit : PlanLimits.Unlimited;
        if (limit >= 0 && request.Quantity > limit)
            return null;

        var now = clock.GetUtcNow();
        await using var cmd = new NpgsqlCommand(IncrementSql[(int)request.Resource], connection, tx);
        cmd.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        cmd.Parameters.Add(new() { Value = request.Tenant.Id });
        cmd.Parameters.Add(new() { Value = request.Period.Start });
        cmd.Parameters.Add(new() { Value = request.Period.End });
        cmd.Parameters.Add(new() { Value = (long)request.Quantity });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = now });
        return await cmd.ExecuteScalarAsync(ct) is long used ? used : null;
    }

    private async Task<BillingException> LimitExceededAsync(NpgsqlConnection connection, Consumption request, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {Column(request.Resource)} FROM usage_records WHERE tenant_id = $1 AND period_start = $2", connection, tx);
        cmd.Parameters.Add(new() { Value = request.Tenant.Id });
        cmd.Parameters.Add(new() { Value = request.Period.Start });
        var used = await cmd.ExecuteScalarAsync(ct) is long u ? u : 0;
        return Refusal(request.Tenant.Id, request.Tenant.PlanTier, request.Resource, request.Quantity, request.Limit, used);
    }

    private BillingException Refusal(Guid tenantId, PlanTier tier, Resource resource, int quantity, long limit, long used)
    {
        logger.LogInformation("Refused {Quantity} {Resource} for tenant {TenantId}: {Used} of {Limit} used",
            quantity, WireNames.Of(resource), tenantId, used, limit);
        return new BillingException(ErrorKind.PlanLimitExceeded, "plan_limit_exceeded",
            $"The {WireNames.Of(tier)} plan allows {limit} {WireNames.Of(resource)} per period.",
            extensions: new Dictionary<string, object?>
            {
                ["resource"] = WireNames.Of(resource),
                ["limit"] = limit,
                ["used"] = used,
                ["plan_tier"] = WireNames.Of(tier),
            });
    }

    internal static bool IsValidIdempotencyKey(string key) =>
        key.Length is > 0 and <= MaxIdempotencyKeyLength && key.All(c => c is >= '!' and <= '~');

    private static string Column(Resource resource) => resource switch
    {
        Resource.Shipments => "shipments_count",
        Resource.Escrows => "escrows_count",
        Resource.ApiCalls => "api_calls_count",
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };

    // The row for the period is created by the first consume of the period; every later one takes the
    // DO UPDATE branch, whose WHERE is the limit check. Both branches hold the row lock, so the check and
    // the increment are one atomic step. A refused update returns no row.
    private static readonly string[] IncrementSql = Enum.GetValues<Resource>().Select(resource =>
    {
        var column = Column(resource);
        string Initial(Resource r) => r == resource ? "$5" : "0";
        return $"""
            INSERT INTO usage_records AS u (id, tenant_id, period_start, period_end,
                shipments_count, escrows_count, api_calls_count, created_at, updated_at)
            VALUES ($1, $2, $3, $4, {Initial(Resource.Shipments)}, {Initial(Resource.Escrows)}, {Initial(Resource.ApiCalls)}, $7, $7)
            ON CONFLICT (tenant_id, period_start) DO UPDATE
               SET {column} = u.{column} + $5, updated_at = $7
             WHERE $6 < 0 OR u.{column} + $5 <= $6
            RETURNING u.{column}
            """;
    }).ToArray();

    // Plan limits as SQL, generated from PlanCatalog so the catalogue stays the one source.
    private static string LimitSql(Resource resource) =>
        "CASE plan_tier " + string.Concat(PlanCatalog.All.Select(p => $"WHEN '{WireNames.Of(p.Tier)}' THEN {p.Limits.For(resource)} ")) + "END";

    // $1 tenant, $2 quantity, $3 now, $4 enforced. Returns plan_tier, the new count (null when not updated) and
    // the count before (null when the period's row does not exist yet); no row when the tenant is missing or
    // its stored period has ended. `before` only words a refusal: the UPDATE's WHERE is what decides.
    private static readonly string[] InPlaceSql = Enum.GetValues<Resource>().Select(resource =>
    {
        var column = Column(resource);
        return $"""
            WITH p AS (
                SELECT plan_tier, billing_period_start AS ps, {LimitSql(resource)} AS lim
                  FROM tenants
                 WHERE id = $1 AND billing_period_start < billing_period_end AND billing_period_end > $3
            ), upd AS (
                UPDATE usage_records u SET {column} = u.{column} + $2, updated_at = $3
                  FROM p
                 WHERE u.tenant_id = $1 AND u.period_start = p.ps AND (NOT $4 OR p.lim < 0 OR u.{column} + $2 <= p.lim)
                RETURNING u.{column} AS used
            )
            SELECT p.plan_tier, (SELECT used FROM upd),
                   (SELECT u.{column} FROM usage_records u WHERE u.tenant_id = $1 AND u.period_start = p.ps)
              FROM p
            """;
    }).ToArray();

    private sealed record Consumption(Tenant Tenant, Resource Resource, int Quantity, BillingPeriod Period)
    {
        public string ResourceName => WireNames.Of(Resource);
        public long Limit => PlanCatalog.For(Tenant.PlanTier).Limits.For(Resource);
        public ConsumeResult Result(long used)
        {
            var usage = ResourceUsage.Of(used, Limit);
            return new ConsumeResult(ResourceName, usage.Used, usage.Limit, usage.Remaining);
        }
    }
}
