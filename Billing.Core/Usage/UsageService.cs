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
/// Metering against plan limits (DESIGN.md section 10). The database decides every grant under the usage
/// row's lock, so no interleaving of callers, in one process or many, can push a count past its limit.
/// Unkeyed consumes of one tenant's resource that arrive while a statement for it is in flight are
/// coalesced (<see cref="ConsumeLanes{TKey,TRequest,TResult}"/>): the next statement decides them all in
/// arrival order, one row lock and one commit for the batch, each request its own exact answer. Keyed
/// consumes take the single path (claim the key and move the count in one transaction), so their first
/// answer is stored and replayed exactly, and a release can give the quantity back.
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

    /// <summary>At most this many waiting consumes of one tenant's resource are decided by one statement.</summary>
    public const int MaxBatch = 128;

    private readonly ConsumeLanes<(Guid Tenant, Resource Resource), int, ConsumeResult> _lanes = new(MaxBatch);

    /// <summary>Limits are not enforced when billing is switched off or in demo mode; usage is still counted.</summary>
    private bool Enforced => billing.Value.Enabled && !stripe.Value.IsDemo;

    public async Task<UsageReport> GetAsync(Guid tenantId, CancellationToken ct)
    {
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var period = tenant.CurrentPeriod(now);
        var limits = PlanCatalog.For(tenant.LimitsTierAt(now)).Limits;

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

        if (idempotencyKey is null)
            return await _lanes.SubmitAsync((tenantId, resource), quantity, DecideBatchAsync, ct);

        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var request = new Consumption(tenant, resource, quantity, tenant.CurrentPeriod(now), now);
        return await ConsumeIdempotentlyAsync(request, idempotencyKey, ct);
    }

    /// <summary>
    /// Gives back the quantity of the granted consume made with <paramref name="idempotencyKey"/>, once, in the
    /// period it was counted in. One statement: it locks the key's row, marks it released and takes the
    /// quantity off that period's count, only if it is not released yet and its period is still the
    /// tenant's current one. A repeat answers the count and changes nothing; the key stays spent.
    /// </summary>
    public async Task<ConsumeResult> ReleaseAsync(Guid tenantId, string resourceName, string? idempotencyKey, CancellationToken ct)
    {
        if (!WireNames.TryParseResource(resourceName, out var resource))
            throw BillingException.NotFound("Unknown resource. Use shipments, escrows or api_calls.");
        if (idempotencyKey is null)
            throw BillingException.Validation("Idempotency-Key", "is required: the Idempotency-Key of the consume to give back");
        if (!IsValidIdempotencyKey(idempotencyKey))
            throw BillingException.Validation("Idempotency-Key", IdempotencyKeyRule);

        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var period = tenant.CurrentPeriod(now);
        var limit = PlanCatalog.For(tenant.LimitsTierAt(now)).Limits.For(resource);

        bool alreadyReleased;
        long? used;
        DateTimeOffset? keyPeriod;
        await using (var cmd = db.CreateCommand(ReleaseSql[(int)resource]))
        {
            cmd.Parameters.Add(new() { Value = tenantId });
            cmd.Parameters.Add(new() { Value = idempotencyKey });
            cmd.Parameters.Add(new() { Value = period.Start });
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = WireNames.Of(resource) });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct) || reader.GetString(0) != WireNames.Of(resource))
                throw BillingException.NotFound($"No granted {WireNames.Of(resource)} consume was made with this Idempotency-Key.");
            alreadyReleased = reader.GetBoolean(1);
            used = !reader.IsDBNull(2) ? reader.GetInt64(2) : alreadyReleased && !reader.IsDBNull(3) ? reader.GetInt64(3) : null;
            keyPeriod = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4);
        }
        if (alreadyReleased && used is not null && keyPeriod is { } released)
        {
            // A release that committed while that statement waited on the key's lock is not in its snapshot of
            // the count: read the count again, as it is now.
            await using var again = db.CreateCommand($"SELECT {Column(resource)} FROM usage_records WHERE tenant_id = $1 AND period_start = $2");
            again.Parameters.Add(new() { Value = tenantId });
            again.Parameters.Add(new() { Value = released });
            if (await again.ExecuteScalarAsync(ct) is long current) used = current;
        }
        if (used is null)
            throw BillingException.Conflict("period_closed", "The period this consume was counted in has ended; it can no longer be given back.");

        if (!alreadyReleased)
            logger.LogInformation("Released {Resource} for tenant {TenantId}: {Used} of {Limit} used", WireNames.Of(resource), tenantId, used, limit);
        var usage = ResourceUsage.Of(used.Value, limit);
        return new ConsumeResult(WireNames.Of(resource), usage.Used, usage.Limit, usage.Remaining);
    }

    /// <summary>
    /// Decides a batch of unkeyed consumes of one tenant's resource, in arrival order, as if served one by
    /// one: a request is granted when it fits in what the earlier grants left, so a refused large request
    /// does not block a later small one. The common case is one statement: every request fits, and one
    /// conditional UPDATE adds the batch's total. Otherwise (near the limit, or a new tenant, period or row)
    /// one short transaction locks the row, decides each request against the locked count and writes once.
    /// </summary>
    private async Task<Outcome<ConsumeResult>[]> DecideBatchAsync((Guid Tenant, Resource Resource) key, IReadOnlyList<int> quantities)
    {
        var (tenantId, resource) = key;
        var total = quantities.Sum(q => (long)q);

        await using (var cmd = db.CreateCommand(InPlaceSql[(int)resource]))
        {
            cmd.Parameters.Add(new() { Value = tenantId });
            cmd.Parameters.Add(new() { Value = total });
            cmd.Parameters.Add(new() { Value = clock.GetUtcNow() });
            cmd.Parameters.Add(new() { Value = Enforced });
            await using var reader = await cmd.ExecuteReaderAsync();
            if (await reader.ReadAsync() && !reader.IsDBNull(1))
                return Grants(resource, PlanCatalog.For(ParseTier(reader.GetString(0))).Limits.For(resource), reader.GetInt64(1) - total, quantities);
        }

        // Not all of it fits (or there is no tenant, period or row yet): decide under the row lock, so that
        // a refusal reports the count it was decided against, not the statement's older snapshot.
        var tenant = await tenants.GetOrCreateAsync(tenantId, default);
        return await DecideLockedAsync(tenant, resource, quantities);
    }

    private static Outcome<ConsumeResult>[] Grants(Resource resource, long limit, long before, IReadOnlyList<int> quantities)
    {
        var outcomes = new Outcome<ConsumeResult>[quantities.Count];
        var used = before;
        for (var i = 0; i < quantities.Count; i++)
        {
            used += quantities[i];
            var usage = ResourceUsage.Of(used, limit);
            outcomes[i] = Outcome<ConsumeResult>.Of(new ConsumeResult(WireNames.Of(resource), usage.Used, usage.Limit, usage.Remaining));
        }
        return outcomes;
    }

    private async Task<Outcome<ConsumeResult>[]> DecideLockedAsync(Tenant tenant, Resource resource, IReadOnlyList<int> quantities)
    {
        var column = Column(resource);
        var now = clock.GetUtcNow();

        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        // The plan and period as they are now, held until commit: a plan change committed after an earlier read
        // must not let a whole batch be decided against the old limit.
        await using (var plan = new NpgsqlCommand(
            "SELECT limits_tier, billing_period_start, billing_period_end, grace_until FROM tenants WHERE id = $1 FOR SHARE", connection, tx))
        {
            plan.Parameters.Add(new() { Value = tenant.Id });
            await using var reader = await plan.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
                throw new InvalidOperationException($"Tenant {tenant.Id} vanished before its consume was decided.");
            tenant.LimitsTier = ParseTier(reader.GetString(0));
            tenant.BillingPeriodStart = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
            tenant.BillingPeriodEnd = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
            tenant.GraceUntil = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
        }
        var target = new Consumption(tenant, resource, 0, tenant.CurrentPeriod(now), now);
        var limit = Enforced ? target.Limit : PlanLimits.Unlimited;
        long before;
        await using (var lockRow = new NpgsqlBatch(connection, tx))
        {
            lockRow.BatchCommands.Add(new NpgsqlBatchCommand("""
                INSERT INTO usage_records (id, tenant_id, period_start, period_end,
                    shipments_count, escrows_count, api_calls_count, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 0, 0, 0, $5, $5)
                ON CONFLICT (tenant_id, period_start) DO NOTHING
                """)
            {
                Parameters =
                {
                    new() { Value = Guid.CreateVersion7(now) }, new() { Value = target.Tenant.Id },
                    new() { Value = target.Period.Start }, new() { Value = target.Period.End }, new() { Value = now },
                },
            });
            lockRow.BatchCommands.Add(new NpgsqlBatchCommand(
                $"SELECT {column} FROM usage_records WHERE tenant_id = $1 AND period_start = $2 FOR UPDATE")
            {
                Parameters = { new() { Value = target.Tenant.Id }, new() { Value = target.Period.Start } },
            });
            before = (long)(await lockRow.ExecuteScalarAsync())!;
        }

        var outcomes = new Outcome<ConsumeResult>[quantities.Count];
        var used = before;
        for (var i = 0; i < quantities.Count; i++)
        {
            if (limit < 0 || used + quantities[i] <= limit)
            {
                used += quantities[i];
                outcomes[i] = Outcome<ConsumeResult>.Of(target.Result(used));
            }
            else
            {
                outcomes[i] = Outcome<ConsumeResult>.Fail(Refusal(target.Tenant.Id, target.Tier, target.Resource, quantities[i], target.Limit, used));
            }
        }

        if (used != before)
        {
            await using var write = new NpgsqlCommand(
                $"UPDATE usage_records SET {column} = {column} + $3, updated_at = $4 WHERE tenant_id = $1 AND period_start = $2", connection, tx);
            write.Parameters.Add(new() { Value = target.Tenant.Id });
            write.Parameters.Add(new() { Value = target.Period.Start });
            write.Parameters.Add(new() { Value = used - before });
            write.Parameters.Add(new() { Value = now });
            await write.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return outcomes;
    }

    /// <summary>
    /// The key is claimed in the same transaction as the increment: a concurrent retry with the same key
    /// waits on the key's unique index and then reads the first answer; a refused consume rolls the claim
    /// back, so the key can be used again once the tenant has room. The claim keeps the period and the
    /// limit, so a replay answers exactly the first answer and a release knows where to give it back.
    /// </summary>
    private async Task<ConsumeResult> ConsumeIdempotentlyAsync(Consumption request, string key, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        // A key the retention sweep deletes between a failed claim and the replay's read is claimed anew (once).
        for (var attempt = 0; !await ClaimAsync(connection, tx, request, key, ct); attempt++)
        {
            if (await ReplayAsync(connection, tx, request, key, ct) is { } replay) return replay;
            if (attempt > 0) throw new InvalidOperationException($"An Idempotency-Key of tenant {request.Tenant.Id} is neither claimable nor readable.");
        }

        var used = await TryIncrementAsync(connection, tx, request, ct, key);
        if (used is null)
        {
            var refusal = await LimitExceededAsync(connection, request, ct, tx);
            await tx.RollbackAsync(ct);
            throw refusal;
        }

        await tx.CommitAsync(ct);
        return request.Result(used.Value);
    }

    /// <summary>Claims the key in the transaction; false when it was claimed before (then the first answer is replayed).</summary>
    private async Task<bool> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Consumption request, string key, CancellationToken ct)
    {
        await using var claim = new NpgsqlCommand(
            """
            INSERT INTO usage_consumptions (tenant_id, idempotency_key, resource, quantity, used, plan_limit, period_start, created_at)
            VALUES ($1, $2, $3, $4, 0, $5, $6, $7)
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            """, connection, tx);
        claim.Parameters.Add(new() { Value = request.Tenant.Id });
        claim.Parameters.Add(new() { Value = key });
        claim.Parameters.Add(new() { Value = request.ResourceName });
        claim.Parameters.Add(new() { Value = request.Quantity });
        claim.Parameters.Add(new() { Value = request.Limit });
        claim.Parameters.Add(new() { Value = request.Period.Start });
        claim.Parameters.Add(new() { Value = clock.GetUtcNow() });
        return await claim.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<ConsumeResult?> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Consumption request, string key, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(
            "SELECT resource, quantity, used, plan_limit, released_at IS NOT NULL FROM usage_consumptions WHERE tenant_id = $1 AND idempotency_key = $2",
            connection, tx);
        read.Parameters.Add(new() { Value = request.Tenant.Id });
        read.Parameters.Add(new() { Value = key });
        await using var reader = await read.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null; // swept by the retention run after the claim found it
        if (reader.GetString(0) != request.ResourceName || reader.GetInt32(1) != request.Quantity)
        {
            throw BillingException.Conflict("idempotency_key_reused",
                "This Idempotency-Key was already used for a different resource or quantity.");
        }
        if (reader.GetBoolean(4))
        {
            throw BillingException.Conflict("idempotency_key_reused",
                "This Idempotency-Key belongs to a consume that was released; use a new key.");
        }
        // Keys claimed before plan_limit was recorded answer with the current plan's limit.
        var limit = reader.IsDBNull(3) ? request.Limit : reader.GetInt64(3);
        var usage = ResourceUsage.Of(reader.GetInt64(2), limit);
        return new ConsumeResult(request.ResourceName, usage.Used, usage.Limit, usage.Remaining);
    }

    /// <summary>The one statement that moves a counter: it returns the new count, or null when the limit refuses it.</summary>
    /// <summary>With <paramref name="key"/>, the same statement records the new count on the key's claim.</summary>
    private async Task<long?> TryIncrementAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Consumption request, CancellationToken ct, string? key = null)
    {
        var limit = Enforced ? request.Limit : PlanLimits.Unlimited;
        if (limit >= 0 && request.Quantity > limit)
            return null;

        var now = clock.GetUtcNow();
        await using var cmd = new NpgsqlCommand((key is null ? IncrementSql : KeyedIncrementSql)[(int)request.Resource], connection, tx);
        cmd.Parameters.Add(new() { Value = Guid.CreateVersion7(now) });
        cmd.Parameters.Add(new() { Value = request.Tenant.Id });
        cmd.Parameters.Add(new() { Value = request.Period.Start });
        cmd.Parameters.Add(new() { Value = request.Period.End });
        cmd.Parameters.Add(new() { Value = (long)request.Quantity });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = now });
        if (key is not null) cmd.Parameters.Add(new() { Value = key });
        return await cmd.ExecuteScalarAsync(ct) is long used ? used : null;
    }

    private async Task<BillingException> LimitExceededAsync(NpgsqlConnection connection, Consumption request, CancellationToken ct, NpgsqlTransaction? tx = null)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT {Column(request.Resource)} FROM usage_records WHERE tenant_id = $1 AND period_start = $2", connection, tx);
        cmd.Parameters.Add(new() { Value = request.Tenant.Id });
        cmd.Parameters.Add(new() { Value = request.Period.Start });
        var used = await cmd.ExecuteScalarAsync(ct) is long u ? u : 0;
        return Refusal(request.Tenant.Id, request.Tier, request.Resource, request.Quantity, request.Limit, used);
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

    // The increment, and (when it happened) the new count written on the key's claim ($8), in one statement.
    private static readonly string[] KeyedIncrementSql = Enum.GetValues<Resource>().Select(resource => $"""
        WITH inc AS (
        {IncrementSql[(int)resource]}
        ), claim AS (
            UPDATE usage_consumptions k SET used = inc.{Column(resource)} FROM inc
             WHERE k.tenant_id = $2 AND k.idempotency_key = $8
        )
        SELECT {Column(resource)} FROM inc
        """).ToArray();

    // Plan limits as SQL, generated from PlanCatalog so the catalogue stays the one source.
    private static string LimitSql(Resource resource) =>
        "CASE " + Tenant.LimitsTierSql("$3") + " " + string.Concat(PlanCatalog.All.Select(p => $"WHEN '{WireNames.Of(p.Tier)}' THEN {p.Limits.For(resource)} ")) + "END";

    // $1 tenant, $2 the batch's total quantity, $3 now, $4 enforced. Returns the limits' tier and the new count (null
    // when not updated: the total does not fit, or the period's row does not exist yet); no row when the
    // tenant is missing or its stored period has ended. The UPDATE's WHERE decides, under the row lock.
    private static readonly string[] InPlaceSql = Enum.GetValues<Resource>().Select(resource =>
    {
        var column = Column(resource);
        return $"""
            WITH p AS (
                SELECT {Tenant.LimitsTierSql("$3")} AS tier, billing_period_start AS ps, {LimitSql(resource)} AS lim
                  FROM tenants
                 WHERE id = $1 AND billing_period_start < billing_period_end AND billing_period_end > $3
            ), upd AS (
                UPDATE usage_records u SET {column} = u.{column} + $2, updated_at = $3
                  FROM p
                 WHERE u.tenant_id = $1 AND u.period_start = p.ps AND (NOT $4 OR p.lim < 0 OR u.{column} + $2 <= p.lim)
                RETURNING u.{column} AS used
            )
            SELECT p.tier, (SELECT used FROM upd) FROM p
            """;
    }).ToArray();

    // $1 tenant, $2 key, $3 the tenant's current period start, $4 now, $5 resource. Returns the key's resource,
    // whether it was released before, the count after giving it back (null when nothing was given back) and
    // the count of the key's period. No row: no granted consume with this key. The key's row is locked first,
    // so of two concurrent releases one gives back and the other sees it released.
    private static readonly string[] ReleaseSql = Enum.GetValues<Resource>().Select(resource =>
    {
        var column = Column(resource);
        return $"""
            WITH c AS (
                SELECT resource, period_start, released_at FROM usage_consumptions
                 WHERE tenant_id = $1 AND idempotency_key = $2
                   FOR UPDATE
            ), released AS (
                UPDATE usage_consumptions k SET released_at = $4
                  FROM c
                 WHERE k.tenant_id = $1 AND k.idempotency_key = $2 AND k.released_at IS NULL
                   AND k.resource = $5 AND k.period_start = $3
                RETURNING k.quantity
            ), given_back AS (
                UPDATE usage_records u SET {column} = u.{column} - released.quantity, updated_at = $4
                  FROM released
                 WHERE u.tenant_id = $1 AND u.period_start = $3
                RETURNING u.{column} AS used
            )
            SELECT c.resource, c.released_at IS NOT NULL, (SELECT used FROM given_back),
                   (SELECT u.{column} FROM usage_records u WHERE u.tenant_id = $1 AND u.period_start = c.period_start),
                   c.period_start
              FROM c
            """;
    }).ToArray();

    private static PlanTier ParseTier(string text) =>
        WireNames.TryParseTier(text, out var tier) ? tier : throw new InvalidDataException($"Unknown plan tier '{text}'.");

    private sealed record Consumption(Tenant Tenant, Resource Resource, int Quantity, BillingPeriod Period, DateTimeOffset Now)
    {
        public string ResourceName => WireNames.Of(Resource);
        public PlanTier Tier => Tenant.LimitsTierAt(Now);
        public long Limit => PlanCatalog.For(Tier).Limits.For(Resource);
        public ConsumeResult Result(long used)
        {
            var usage = ResourceUsage.Of(used, Limit);
            return new ConsumeResult(ResourceName, usage.Used, usage.Limit, usage.Remaining);
        }
    }
}
