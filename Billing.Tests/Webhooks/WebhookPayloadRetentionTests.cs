using Billing.Core;

namespace Billing.Tests.Webhooks;

/// <summary>
/// Webhook payloads (customer names, e-mails, addresses) are kept WEBHOOK_PAYLOAD_RETENTION_DAYS, then cleared by
/// the timer in bounded batches; the row itself stays, so a redelivered event is still recognised. On a database
/// of its own (the sweep reads the whole table).
/// </summary>
public sealed class WebhookPayloadRetentionTests() : OwnDatabaseTests(Now)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 4, 15, 0, TimeSpan.Zero);

    private static string Event(string id) => new System.Text.Json.Nodes.JsonObject
    {
        ["id"] = id, ["object"] = "event", ["type"] = "invoice.paid", ["created"] = Now.AddDays(-200).ToUnixTimeSeconds(),
        ["data"] = new System.Text.Json.Nodes.JsonObject
        {
            ["object"] = new System.Text.Json.Nodes.JsonObject { ["id"] = "in_1", ["customer"] = "cus_1", ["customer_email"] = "someone@example.com" },
        },
    }.ToJsonString();

    /// <summary><paramref name="count"/> processed events received <paramref name="age"/> before now, ids prefixed <paramref name="prefix"/>.</summary>
    private async Task SeedAsync(string prefix, int count, TimeSpan age)
    {
        await using var connection = new NpgsqlConnection(App.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO webhook_events (id, stripe_event_id, event_type, payload, received_at, processed_at, outcome)
            SELECT gen_random_uuid(), $1 || i, 'invoice.paid', replace($2, '__ID__', $1 || i)::jsonb, $3 - i * interval '1 second', $3, 'ignored'
              FROM generate_series(1, $4) i
            """, connection);
        command.Parameters.Add(new() { Value = prefix });
        command.Parameters.Add(new() { Value = Event("__ID__") });
        command.Parameters.Add(new() { Value = Now - age });
        command.Parameters.Add(new() { Value = count });
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Payloads_older_than_the_retention_are_cleared_in_batches_and_their_rows_kept()
    {
        var expired = WebhookPayloadRetention.Batch * 2 + 17;
        await SeedAsync("evt_old_", expired, TimeSpan.FromDays(91));
        await SeedAsync("evt_new_", 10, TimeSpan.FromDays(89));

        var cleared = await App.Services.GetRequiredService<WebhookPayloadRetention>().RunAsync(default);

        Assert.Equal(expired, cleared);
        Assert.Equal(expired + 10L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM webhook_events"));
        Assert.Equal((long)expired, await Db.ScalarAsync<long>(App.Database,
            """
            SELECT count(*) FROM webhook_events
             WHERE stripe_event_id LIKE 'evt_old_%' AND payload IS NULL
               AND event_type = 'invoice.paid' AND outcome = 'ignored' AND received_at IS NOT NULL AND processed_at IS NOT NULL
            """));
        Assert.Equal(10L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM webhook_events WHERE stripe_event_id LIKE 'evt_new_%' AND payload IS NOT NULL"));
        Assert.Equal(0, await App.Services.GetRequiredService<WebhookPayloadRetention>().RunAsync(default));
    }

    [Fact]
    public async Task A_redelivered_event_whose_payload_was_cleared_is_still_applied_only_once()
    {
        await SeedAsync("evt_redelivered_", 1, TimeSpan.FromDays(120));
        await App.Services.GetRequiredService<WebhookPayloadRetention>().RunAsync(default);

        await using (var scope = App.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<StripeEventApplier>().ApplyAsync(StripeEventQueue.Encode(Event("evt_redelivered_1"))!, default);

        Assert.Equal(1L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = 'evt_redelivered_1'"));
        Assert.Equal(1L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = 'evt_redelivered_1' AND payload IS NULL"));
    }

    [Fact]
    public void Retention_defaults_to_90_days()
    {
        Assert.Equal(90, App.Services.GetRequiredService<IOptions<BillingOptions>>().Value.WebhookPayloadRetentionDays);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("6")]
    [InlineData("3651")]
    [InlineData("ninety")]
    public void A_retention_out_of_range_stops_the_worker_with_one_line_naming_it(string days)
    {
        using var host = WorkerHost.Build(new Dictionary<string, string?> { ["WEBHOOK_PAYLOAD_RETENTION_DAYS"] = days });

        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());

        var message = Billing.Functions.HostStartup.FindConfigurationError(error);
        Assert.NotNull(message);
        Assert.Contains("WEBHOOK_PAYLOAD_RETENTION_DAYS", message);
        Assert.DoesNotContain('\n', message);
    }
}
