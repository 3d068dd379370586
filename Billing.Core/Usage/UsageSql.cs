namespace Billing.Core.Usage;

/// <summary>
/// Every statement metering runs, with named parameters. The counters are three columns of
/// <c>usage_records</c> (one row per tenant and period), so a statement that moves one resource's count is
/// generated per resource from <see cref="Column"/>; plan limits in SQL are generated from
/// <see cref="PlanCatalog"/>, so the catalogue stays the one source.
/// </summary>
internal static class UsageSql
{
    /// <summary>
    /// The tier whose limits apply at <c>@now</c> (<see cref="Tenants.Tenant.LimitsTierAt"/>: free once a payment grace has
    /// run out), over a <c>tenants</c> row: read here and nowhere else in SQL.
    /// </summary>
    private static readonly string LimitsTier = Tenants.Tenant.LimitsTierSql("@now");

    public static string Column(Resource resource) => resource switch
    {
        Resource.Shipments => "shipments_count",
        Resource.Escrows => "escrows_count",
        Resource.ApiCalls => "api_calls_count",
        _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
    };

    private static string[] PerResource(Func<Resource, string> statement) => Enum.GetValues<Resource>().Select(statement).ToArray();

    /// <summary>The limit of <paramref name="resource"/> for the tier in <paramref name="tier"/> (negative: unlimited).</summary>
    private static string Limit(Resource resource, string tier) =>
        $"CASE {tier} " + string.Concat(PlanCatalog.All.Select(p => $"WHEN '{WireNames.Of(p.Tier)}' THEN {p.Limits.For(resource)} ")) + "END";

    /// <summary>@tenant, @period_start: the three counts of one period (no row: nothing counted yet).</summary>
    public const string Counts =
        "SELECT shipments_count, escrows_count, api_calls_count FROM usage_records WHERE tenant_id = @tenant AND period_start = @period_start";

    /// <summary>@tenant, @period_start: one resource's count, as committed.</summary>
    public static string Count(Resource resource) => CountSql[(int)resource];
    private static readonly string[] CountSql = PerResource(r =>
        $"SELECT {Column(r)} FROM usage_records WHERE tenant_id = @tenant AND period_start = @period_start");

    /// <summary>
    /// @tenant, @now: the tier whose limits apply and the stored period, held (<c>FOR SHARE</c>) until the transaction
    /// ends, so a plan change waits for the consumes decided against the plan they read.
    /// </summary>
    public static readonly string LockPlan =
        $"SELECT {LimitsTier}, billing_period_start, billing_period_end FROM tenants WHERE id = @tenant FOR SHARE";

    /// <summary>@id, @tenant, @period_start, @period_end, @now: the period's row at zero, unless it exists.</summary>
    public const string OpenPeriod = """
        INSERT INTO usage_records (id, tenant_id, period_start, period_end,
            shipments_count, escrows_count, api_calls_count, created_at, updated_at)
        VALUES (@id, @tenant, @period_start, @period_end, 0, 0, 0, @now, @now)
        ON CONFLICT (tenant_id, period_start) DO NOTHING
        """;

    /// <summary>@tenant, @period_start: one resource's count, locked (<c>FOR UPDATE</c>) until the transaction ends.</summary>
    public static string LockCount(Resource resource) => LockCountSql[(int)resource];
    private static readonly string[] LockCountSql = PerResource(r =>
        $"SELECT {Column(r)} FROM usage_records WHERE tenant_id = @tenant AND period_start = @period_start FOR UPDATE");

    /// <summary>@tenant, @period_start, @quantity, @now: adds to a count whose row this transaction holds.</summary>
    public static string Add(Resource resource) => AddSql[(int)resource];
    private static readonly string[] AddSql = PerResource(r =>
        $"UPDATE usage_records SET {Column(r)} = {Column(r)} + @quantity, updated_at = @now WHERE tenant_id = @tenant AND period_start = @period_start");

    /// <summary>
    /// @tenants, @shipments, @escrows, @api_calls (one entry per tenant: the batch's total of each resource, 0 for
    /// none), @now, @enforced. Decides a whole batch of unkeyed consumes across tenants in one statement. For each
    /// tenant whose plan row and current period's usage row it can lock at once, it adds each resource's total
    /// when the total fits under the limit (or limits are not enforced), and returns the tier, the counts it
    /// decided against and what it added (0: refused). A tenant with no row for its current period, an ended
    /// stored period, or a row locked elsewhere (a keyed consume, a release, the rollover, a long transaction) is
    /// skipped, not waited for: it returns no row and is decided on its own path.
    /// </summary>
    public static readonly string DecideBatch = $"""
        WITH req AS (
            SELECT * FROM unnest(@tenants::uuid[], @shipments::bigint[], @escrows::bigint[], @api_calls::bigint[])
                   AS r(tenant_id, shipments, escrows, api_calls)
        ), plan AS (
            SELECT t.id, {LimitsTier} AS tier, t.billing_period_start
              FROM tenants t JOIN req ON req.tenant_id = t.id
             WHERE t.billing_period_start < t.billing_period_end AND t.billing_period_end > @now
               FOR SHARE OF t SKIP LOCKED
        ), locked AS (
            SELECT u.id, u.tenant_id, plan.tier, u.shipments_count, u.escrows_count, u.api_calls_count,
                   req.shipments, req.escrows, req.api_calls
              FROM usage_records u
              JOIN plan ON plan.id = u.tenant_id AND plan.billing_period_start = u.period_start
              JOIN req ON req.tenant_id = u.tenant_id
               FOR UPDATE OF u SKIP LOCKED
        ), decided AS (
            SELECT id, tenant_id, tier, shipments_count, escrows_count, api_calls_count,
                   {Grant(Resource.Shipments, "shipments")} AS add_shipments,
                   {Grant(Resource.Escrows, "escrows")} AS add_escrows,
                   {Grant(Resource.ApiCalls, "api_calls")} AS add_api_calls
              FROM locked
        ), added AS (
            UPDATE usage_records u
               SET shipments_count = u.shipments_count + d.add_shipments,
                   escrows_count = u.escrows_count + d.add_escrows,
                   api_calls_count = u.api_calls_count + d.add_api_calls,
                   updated_at = @now
              FROM decided d
             WHERE u.id = d.id AND d.add_shipments + d.add_escrows + d.add_api_calls > 0
        )
        SELECT tenant_id, tier, shipments_count, escrows_count, api_calls_count, add_shipments, add_escrows, add_api_calls
          FROM decided
        """;

    private static string Grant(Resource resource, string total)
    {
        var limit = Limit(resource, "tier");
        return $"CASE WHEN NOT @enforced OR {limit} < 0 OR {Column(resource)} + {total} <= {limit} THEN {total} ELSE 0 END";
    }

    /// <summary>
    /// @id, @tenant, @period_start, @period_end, @quantity, @limit, @now, @key: a keyed consume's increment, and its
    /// new count written on the key's claim, in one statement. The row for the period is created by the first
    /// consume of the period; every later one takes the DO UPDATE branch, whose WHERE is the limit check. Both
    /// branches hold the row lock, so the check and the increment are one atomic step. Refused: no row.
    /// </summary>
    public static string KeyedIncrement(Resource resource) => KeyedIncrementSql[(int)resource];
    private static readonly string[] KeyedIncrementSql = PerResource(r =>
    {
        var column = Column(r);
        string Initial(Resource other) => other == r ? "@quantity" : "0";
        return $"""
            WITH inc AS (
                INSERT INTO usage_records AS u (id, tenant_id, period_start, period_end,
                    shipments_count, escrows_count, api_calls_count, created_at, updated_at)
                VALUES (@id, @tenant, @period_start, @period_end,
                    {Initial(Resource.Shipments)}, {Initial(Resource.Escrows)}, {Initial(Resource.ApiCalls)}, @now, @now)
                ON CONFLICT (tenant_id, period_start) DO UPDATE
                   SET {column} = u.{column} + @quantity, updated_at = @now
                 WHERE @limit < 0 OR u.{column} + @quantity <= @limit
                RETURNING u.{column} AS used
            ), claim AS (
                UPDATE usage_consumptions k SET used = inc.used FROM inc
                 WHERE k.tenant_id = @tenant AND k.idempotency_key = @key
            )
            SELECT used FROM inc
            """;
    });

    /// <summary>@tenant, @key, @resource, @quantity, @limit, @period_start, @now: claims the key (0 rows: claimed before).</summary>
    public const string Claim = """
        INSERT INTO usage_consumptions (tenant_id, idempotency_key, resource, quantity, used, plan_limit, period_start, created_at)
        VALUES (@tenant, @key, @resource, @quantity, 0, @limit, @period_start, @now)
        ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
        """;

    /// <summary>@tenant, @key: the first answer a key got.</summary>
    public const string Replay =
        "SELECT resource, quantity, used, plan_limit, released_at IS NOT NULL FROM usage_consumptions WHERE tenant_id = @tenant AND idempotency_key = @key";

    /// <summary>
    /// @tenant, @key, @period_start (the tenant's current period), @now, @resource. Returns the key's resource,
    /// whether it was released before, the count after giving it back (null when nothing was given back) and the
    /// count of the key's period, and the key's period. No row: no granted consume with this key. The key's row is
    /// locked first, so of two concurrent releases one gives back and the other sees it released.
    /// </summary>
    public static string Release(Resource resource) => ReleaseSql[(int)resource];
    private static readonly string[] ReleaseSql = PerResource(r =>
    {
        var column = Column(r);
        return $"""
            WITH c AS (
                SELECT resource, period_start, released_at FROM usage_consumptions
                 WHERE tenant_id = @tenant AND idempotency_key = @key
                   FOR UPDATE
            ), released AS (
                UPDATE usage_consumptions k SET released_at = @now
                  FROM c
                 WHERE k.tenant_id = @tenant AND k.idempotency_key = @key AND k.released_at IS NULL
                   AND k.resource = @resource AND k.period_start = @period_start
                RETURNING k.quantity
            ), given_back AS (
                UPDATE usage_records u SET {column} = u.{column} - released.quantity, updated_at = @now
                  FROM released
                 WHERE u.tenant_id = @tenant AND u.period_start = @period_start
                RETURNING u.{column} AS used
            )
            SELECT c.resource, c.released_at IS NOT NULL, (SELECT used FROM given_back),
                   (SELECT u.{column} FROM usage_records u WHERE u.tenant_id = @tenant AND u.period_start = c.period_start),
                   c.period_start
              FROM c
            """;
    });
}
