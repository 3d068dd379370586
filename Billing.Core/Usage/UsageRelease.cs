namespace Billing.Core.Usage;

/// <summary>
/// Gives back the quantity of the granted consume made with an <c>Idempotency-Key</c>, once, in the period it was
/// counted in. One statement (<see cref="UsageSql.Release"/>): it locks the key's row, marks it released and takes
/// the quantity off that period's count, only if it is not released yet and its period is still the tenant's
/// current one. A repeat answers the count and changes nothing; the key stays spent.
/// </summary>
internal sealed class UsageRelease(NpgsqlDataSource db, TenantDirectory tenants, TimeProvider clock, ILogger logger)
{
    public async Task<ConsumeResult> ReleaseAsync(Guid tenantId, Resource resource, string key, CancellationToken ct)
    {
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var period = tenant.CurrentPeriod(now);
        var limit = PlanCatalog.For(tenant.LimitsTierAt(now)).Limits.For(resource);

        bool alreadyReleased;
        long? used;
        DateTimeOffset? keyPeriod;
        await using (var cmd = db.CreateCommand(UsageSql.Release(resource)))
        {
            cmd.Parameters.Add(new NpgsqlParameter("tenant", tenantId));
            cmd.Parameters.Add(new NpgsqlParameter("key", key));
            cmd.Parameters.Add(new NpgsqlParameter("period_start", period.Start));
            cmd.Parameters.Add(new NpgsqlParameter("now", now));
            cmd.Parameters.Add(new NpgsqlParameter("resource", WireNames.Of(resource)));
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct) || reader.GetString(0) != WireNames.Of(resource))
                throw BillingException.NotFound($"No granted {WireNames.Of(resource)} consume was made with this Idempotency-Key.");
            alreadyReleased = reader.GetBoolean(1);
            used = !reader.IsDBNull(2) ? reader.GetInt64(2) : alreadyReleased && !reader.IsDBNull(3) ? reader.GetInt64(3) : null;
            keyPeriod = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4);
        }
        if (alreadyReleased && used is not null && keyPeriod is { } released)
        {
            // A release that committed while that statement waited on the key's lock is not in its snapshot of the
            // count: read the count again, as it is now.
            await using var again = db.CreateCommand(UsageSql.Count(resource));
            again.Parameters.Add(new NpgsqlParameter("tenant", tenantId));
            again.Parameters.Add(new NpgsqlParameter("period_start", released));
            if (await again.ExecuteScalarAsync(ct) is long current) used = current;
        }
        if (used is not { } count)
            throw BillingException.Conflict("period_closed", "The period this consume was counted in has ended; it can no longer be given back.");

        if (!alreadyReleased)
            logger.LogInformation("Released {Resource} for tenant {TenantId}: {Used} of {Limit} used", WireNames.Of(resource), tenantId, count, limit);
        return ConsumeResult.Of(resource, count, limit);
    }
}
