using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Billing.Bench;

internal static class BenchTokens
{
    /// <summary>An admin token of <paramref name="tenant"/>; each call a different token (its own <c>jti</c>).</summary>
    public static string Mint(string key, string issuer, string audience, Guid tenant) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = issuer,
        Audience = audience,
        Claims = new Dictionary<string, object> { ["sub"] = "bench", ["tenant_id"] = tenant.ToString(), ["role"] = "admin", ["jti"] = Guid.NewGuid().ToString("N") },
        Expires = DateTime.UtcNow.AddHours(2),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });

    /// <summary>Stripe's scheme, signed now: <c>t=…,v1=HMAC-SHA256(secret, "t.body")</c>.</summary>
    public static string StripeSignature(string body, string secret)
    {
        var t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public static string SubscriptionUpdated(Guid tenant, string price, DateTimeOffset now) => new JsonObject
    {
        ["id"] = $"evt_bench_{Guid.NewGuid():N}", ["object"] = "event", ["api_version"] = "2026-10-28.endive",
        ["created"] = now.ToUnixTimeSeconds(), ["type"] = "customer.subscription.updated", ["livemode"] = false,
        ["data"] = new JsonObject
        {
            ["object"] = new JsonObject
            {
                ["id"] = $"sub_bench_{tenant:N}", ["object"] = "subscription", ["customer"] = $"cus_bench_{tenant:N}",
                ["status"] = "active", ["cancel_at_period_end"] = false, ["metadata"] = new JsonObject { ["tenant_id"] = tenant.ToString() },
                ["items"] = new JsonObject
                {
                    ["object"] = "list",
                    ["data"] = new JsonArray(new JsonObject
                    {
                        ["id"] = "si_bench", ["object"] = "subscription_item",
                        ["current_period_start"] = now.ToUnixTimeSeconds(), ["current_period_end"] = now.AddMonths(1).ToUnixTimeSeconds(),
                        ["price"] = new JsonObject { ["id"] = price, ["object"] = "price" },
                    }),
                },
            },
        },
    }.ToJsonString();

    public static string InvoicePaid(int i) => new JsonObject
    {
        ["id"] = $"evt_bench_{Guid.NewGuid():N}", ["object"] = "event", ["api_version"] = "2026-10-28.endive",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["type"] = "invoice.paid", ["livemode"] = false,
        ["data"] = new JsonObject
        {
            ["object"] = new JsonObject
            {
                ["id"] = $"in_bench_{i}", ["object"] = "invoice", ["customer"] = $"cus_bench_{i % 500}",
                ["status"] = "paid", ["amount_paid"] = 9900, ["currency"] = "usd",
            },
        },
    }.ToJsonString();
}

/// <summary>What consume must not be: read the count, decide in the application, write it back. Bench only.</summary>
internal static class NaiveConsume
{
    public static async Task<bool> TryAsync(NpgsqlDataSource source, Guid tenant, DateTimeOffset periodStart, long limit)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("SELECT shipments_count FROM usage_records WHERE tenant_id = $1 AND period_start = $2", connection)
        { Parameters = { new() { Value = tenant }, new() { Value = periodStart } } };
        var used = (long)(await read.ExecuteScalarAsync())!;
        if (used + 1 > limit) return false;
        await using var write = new NpgsqlCommand("UPDATE usage_records SET shipments_count = $3 WHERE tenant_id = $1 AND period_start = $2", connection)
        { Parameters = { new() { Value = tenant }, new() { Value = periodStart }, new() { Value = used + 1 } } };
        await write.ExecuteNonQueryAsync();
        return true;
    }
}

internal static class RolloverFixture
{
    /// <summary>Empties the rollover database and fills it with tenants whose periods ended a few days ago.</summary>
    public static async Task<Guid[]> SeedEndedAsync(NpgsqlDataSource source, int count, DateTimeOffset now)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        await using var connection = await source.OpenConnectionAsync();
        await using (var truncate = new NpgsqlCommand("TRUNCATE usage_records, usage_consumptions, tenants CASCADE", connection)) await truncate.ExecuteNonQueryAsync();
        var start = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(-1).AddDays(-3);
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY tenants (id, plan_tier, subscription_status, cancel_at_period_end, billing_period_start, billing_period_end, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < count; i++)
            {
                var s = start.AddHours(-(i % 600));
                await writer.StartRowAsync();
                await writer.WriteAsync(ids[i]); await writer.WriteAsync("free"); await writer.WriteAsync("active"); await writer.WriteAsync(false);
                await writer.WriteAsync(s); await writer.WriteAsync(s.AddMonths(1)); await writer.WriteAsync(now); await writer.WriteAsync(now);
            }
            await writer.CompleteAsync();
        }
        await using var analyze = new NpgsqlCommand("VACUUM ANALYZE tenants", connection);
        await analyze.ExecuteNonQueryAsync();
        return ids;
    }

    /// <summary>The least a rollover can do: advance each ended period one month and open its usage row, as two plain statements.</summary>
    public static async Task BareAsync(NpgsqlDataSource source, DateTimeOffset now)
    {
        await using var connection = await source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand("""
            UPDATE tenants SET billing_period_start = billing_period_end,
                               billing_period_end = billing_period_end + interval '1 month', updated_at = $1
             WHERE billing_period_end <= $1
            """, connection, tx) { Parameters = { new() { Value = now } } })
            await update.ExecuteNonQueryAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO usage_records (id, tenant_id, period_start, period_end, shipments_count, escrows_count, api_calls_count, created_at, updated_at)
            SELECT gen_random_uuid(), id, billing_period_start, billing_period_end, 0, 0, 0, $1, $1 FROM tenants WHERE updated_at = $1
            ON CONFLICT (tenant_id, period_start) DO NOTHING
            """, connection, tx) { Parameters = { new() { Value = now } } })
            await insert.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
