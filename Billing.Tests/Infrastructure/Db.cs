namespace Billing.Tests.Infrastructure;

/// <summary>Direct SQL for arranging and asserting rows, bypassing the code under test.</summary>
public static class Db
{
    public static async Task<int> ExecuteAsync(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return await command.ExecuteNonQueryAsync();
    }

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
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
