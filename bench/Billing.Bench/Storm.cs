using Npgsql;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Billing.Bench;

/// <summary>
/// The renewal storm: every paying tenant renews within a minute (on the 1st). Each tenant has a live pro
/// subscription whose period ends now; Stripe sends <c>invoice.paid</c> and <c>customer.subscription.updated</c>
/// (the next period) for each.
/// </summary>
internal static class RenewalStorm
{
    public const string Price = "price_bench_pro";

    /// <summary>Tenants on pro with a live subscription whose period is [<paramref name="renewAt"/> − 1 month, <paramref name="renewAt"/>).</summary>
    public static async Task<Guid[]> SeedAsync(NpgsqlDataSource source, int count, DateTimeOffset renewAt)
    {
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        var start = renewAt.AddMonths(-1);
        await using var connection = await source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var tenants = new NpgsqlCommand("""
            INSERT INTO tenants (id, stripe_customer_id, stripe_subscription_id, plan_tier, subscription_status, cancel_at_period_end,
                                 billing_period_start, billing_period_end, subscription_event_at, created_at, updated_at)
            SELECT id, 'cus_storm_' || replace(id::text, '-', ''), 'sub_storm_' || replace(id::text, '-', ''), 'pro', 'active', false,
                   $2, $3, $2, $2, $2
              FROM unnest($1::uuid[]) id
            """, connection, tx) { Parameters = { new() { Value = ids }, new() { Value = start }, new() { Value = renewAt } } })
            await tenants.ExecuteNonQueryAsync();
        await using (var subscriptions = new NpgsqlCommand("""
            INSERT INTO subscriptions (id, tenant_id, customer_id, stripe_created_at, plan_tier, status, cancel_at_period_end,
                                       period_start, period_end, state_event_at, state_event_rank, state_event_id,
                                       last_payment_failed, payment_event_at, payment_event_rank, ended, created_at, updated_at)
            SELECT 'sub_storm_' || replace(id::text, '-', ''), id, 'cus_storm_' || replace(id::text, '-', ''), $2, 'pro', 'active', false,
                   $2, $3, $2, 2, 'evt_storm_seed_' || replace(id::text, '-', ''), false, $2, 4, false, $2, $2
              FROM unnest($1::uuid[]) id
            """, connection, tx) { Parameters = { new() { Value = ids }, new() { Value = start }, new() { Value = renewAt } } })
            await subscriptions.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        return ids;
    }

    /// <summary>The two events of one tenant's renewal at <paramref name="renewAt"/>, created at <paramref name="created"/>.</summary>
    public static (string Id, string Json)[] Events(Guid tenant, DateTimeOffset renewAt, DateTimeOffset created)
    {
        var sub = $"sub_storm_{tenant:N}";
        var customer = $"cus_storm_{tenant:N}";
        var paid = $"evt_storm_paid_{tenant:N}";
        var updated = $"evt_storm_upd_{tenant:N}";
        var invoice = new JsonObject
        {
            ["id"] = paid, ["object"] = "event", ["api_version"] = "2026-10-28.endive", ["created"] = created.ToUnixTimeSeconds(),
            ["type"] = "invoice.paid", ["livemode"] = false,
            ["data"] = new JsonObject
            {
                ["object"] = new JsonObject
                {
                    ["id"] = $"in_storm_{tenant:N}", ["object"] = "invoice", ["customer"] = customer, ["status"] = "paid",
                    ["amount_paid"] = 9900, ["currency"] = "usd", ["billing_reason"] = "subscription_cycle",
                    ["parent"] = new JsonObject
                    {
                        ["type"] = "subscription_details",
                        ["subscription_details"] = new JsonObject { ["subscription"] = sub, ["metadata"] = new JsonObject { ["tenant_id"] = tenant.ToString() } },
                    },
                },
            },
        }.ToJsonString();
        var subscription = new JsonObject
        {
            ["id"] = updated, ["object"] = "event", ["api_version"] = "2026-10-28.endive", ["created"] = created.ToUnixTimeSeconds(),
            ["type"] = "customer.subscription.updated", ["livemode"] = false,
            ["data"] = new JsonObject
            {
                ["object"] = new JsonObject
                {
                    ["id"] = sub, ["object"] = "subscription", ["customer"] = customer, ["status"] = "active", ["cancel_at_period_end"] = false,
                    ["created"] = renewAt.AddMonths(-1).ToUnixTimeSeconds(), ["metadata"] = new JsonObject { ["tenant_id"] = tenant.ToString() },
                    ["items"] = new JsonObject
                    {
                        ["object"] = "list",
                        ["data"] = new JsonArray(new JsonObject
                        {
                            ["id"] = $"si_storm_{tenant:N}", ["object"] = "subscription_item",
                            ["current_period_start"] = renewAt.ToUnixTimeSeconds(), ["current_period_end"] = renewAt.AddMonths(1).ToUnixTimeSeconds(),
                            ["price"] = new JsonObject { ["id"] = Price, ["object"] = "price" },
                        }),
                    },
                },
                ["previous_attributes"] = new JsonObject { ["items"] = new JsonObject() },
            },
        }.ToJsonString();
        return [(paid, invoice), (updated, subscription)];
    }

    /// <summary>
    /// The bare baseline of one event: the same writes the applier makes (the event row, the subscription row, the
    /// tenant row) in one transaction through Npgsql, with nothing decided.
    /// </summary>
    public static async Task<bool> ApplyBareAsync(NpgsqlDataSource source, Guid tenant, string eventId, string json, bool invoice, DateTimeOffset renewAt)
    {
        var now = DateTimeOffset.UtcNow;
        var sub = $"sub_storm_{tenant:N}";
        await using var connection = await source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("INSERT INTO webhook_events (id, stripe_event_id, event_type, payload, received_at, processed_at, outcome) VALUES ($1, $2, $3, $4::jsonb, $5, $5, 'applied')")
                {
                    Parameters = { new() { Value = Guid.CreateVersion7(now) }, new() { Value = eventId }, new() { Value = invoice ? "invoice.paid" : "customer.subscription.updated" }, new() { Value = json }, new() { Value = now } },
                },
                new NpgsqlBatchCommand(invoice
                    ? "UPDATE subscriptions SET last_payment_failed = false, payment_event_at = $2, payment_event_rank = 4, updated_at = $2 WHERE id = $1"
                    : "UPDATE subscriptions SET period_start = $3, period_end = $4, state_event_at = $2, state_event_rank = 2, updated_at = $2 WHERE id = $1")
                {
                    Parameters = { new() { Value = sub }, new() { Value = now }, new() { Value = renewAt }, new() { Value = renewAt.AddMonths(1) } },
                },
                new NpgsqlBatchCommand("UPDATE tenants SET billing_period_start = $2, billing_period_end = $3, subscription_event_at = $4, updated_at = $4 WHERE id = $1")
                {
                    Parameters = { new() { Value = tenant }, new() { Value = renewAt }, new() { Value = renewAt.AddMonths(1) }, new() { Value = now } },
                },
            },
        };
        await batch.ExecuteNonQueryAsync();
        await tx.CommitAsync();
        return true;
    }
}

/// <summary>A stand-in for Stripe's API that counts every request it gets and answers 503: a renewal must not need one.</summary>
internal sealed class StripeReadCounter : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private int _requests;

    public StripeReadCounter()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public string BaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
    public int Requests => Volatile.Read(ref _requests);

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var buffer = new byte[8192];
                    var seen = new StringBuilder();
                    try
                    {
                        while (!seen.ToString().Contains("\r\n\r\n") && await stream.ReadAsync(buffer) is var n and > 0)
                            seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
                        Interlocked.Increment(ref _requests);
                        await stream.WriteAsync("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                    }
                    catch (IOException) { }
                }
            });
        }
    }

    public void Dispose() => _listener.Stop();
}
