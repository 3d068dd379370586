namespace Billing.Tests.Infrastructure;

/// <summary>Direct SQL for arranging and asserting rows, bypassing the code under test.</summary>
public static class Db
{
    public static async Task<int> ExecuteAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, null, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, null, sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>The outcome the pipeline recorded for a Stripe event, once it has one (null if none within the time).</summary>
    public static Task<string?> OutcomeAsync(string connectionString, string stripeEventId, TimeSpan within) =>
        Eventually.ValueAsync(
            () => ScalarAsync<string>(connectionString, "SELECT outcome FROM webhook_events WHERE stripe_event_id = $1", stripeEventId),
            outcome => outcome is not null, within);

    /// <summary>
    /// Runs <paramref name="sql"/> in a transaction left open, so that what it locks (or writes) stays held, in the
    /// way of the code under test, until <see cref="RowHold.ReleaseAsync"/> rolls it back (or <see cref="RowHold.CommitAsync"/>
    /// commits what it wrote, as a concurrent writer would).
    /// </summary>
    public static async Task<RowHold> HoldAsync(string connectionString, string sql, params object[] parameters)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using (var command = Command(connection, transaction, sql, parameters))
                await command.ExecuteNonQueryAsync();
            return new RowHold(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>True once some session is waiting on a lock that the backend <paramref name="pid"/> holds.</summary>
    public static Task<bool> BlocksSomeoneAsync(string connectionString, int pid) => ScalarAsync<bool>(connectionString,
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)))", pid);

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return command;
    }

    /// <summary>Creates a tenant row with the given plan, on this calendar month.</summary>
    public static Task SeedTenantThisMonthAsync(string connectionString, Guid tenantId, string planTier)
    {
        var month = Billing.Core.Usage.BillingPeriod.CalendarMonth(DateTimeOffset.UtcNow);
        return SeedTenantAsync(connectionString, tenantId, planTier, month.Start, month.End);
    }

    /// <summary>Creates a tenant row with the given plan (and its limits) and stored period.</summary>
    public static Task SeedTenantAsync(string connectionString, Guid tenantId, string planTier, DateTimeOffset periodStart, DateTimeOffset periodEnd) =>
        ExecuteAsync(connectionString,
            """
            INSERT INTO tenants (id, plan_tier, limits_tier, subscription_status, cancel_at_period_end, billing_period_start, billing_period_end, created_at, updated_at)
            VALUES ($1, $2, $2, 'active', false, $3, $4, now(), now())
            """,
            tenantId, planTier, periodStart, periodEnd);
}

/// <summary>An open transaction holding rows (<see cref="Db.HoldAsync"/>); disposing it lets go too.</summary>
public sealed class RowHold(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    /// <summary>The holding backend's pid, as <c>pg_blocking_pids</c> names it.</summary>
    public int ProcessId => connection.ProcessID;

    public Task ReleaseAsync() => transaction.RollbackAsync();

    public Task CommitAsync() => transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
