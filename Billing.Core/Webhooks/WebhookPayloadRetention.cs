using Billing.Core.Data;

namespace Billing.Core.Webhooks;

/// <summary>
/// Clears the raw payload of webhook events received more than <c>WEBHOOK_PAYLOAD_RETENTION_DAYS</c> ago: Stripe's
/// events carry customer names, e-mails and addresses, which are not kept forever. The <c>webhook_events</c> row
/// stays (event id, type, outcome, received and processed times), so a redelivered event still meets its row and
/// is applied once. Same shape as the usage rollover's key sweep: oldest first by a partial index, bounded batches,
/// each its own short statement, and a row an apply holds right now is passed over (SKIP LOCKED) for a later run.
/// </summary>
public sealed class WebhookPayloadRetention(NpgsqlDataSource db, TimeProvider clock, IOptions<BillingOptions> options, ILogger<WebhookPayloadRetention> logger)
{
    /// <summary>Payloads cleared per statement (events are up to a few hundred KiB each, so smaller than the key sweep's).</summary>
    public const int Batch = 1_000;

    private const string ClearSql = """
        UPDATE webhook_events e SET payload = NULL
          FROM (SELECT id FROM webhook_events
                 WHERE payload IS NOT NULL AND received_at < @cutoff
                 ORDER BY received_at
                 LIMIT @batch
                   FOR UPDATE SKIP LOCKED) old
         WHERE e.id = old.id
        """;

    /// <summary>Clears payloads received before now minus the retention; returns how many.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var cutoff = clock.GetUtcNow().AddDays(-options.Value.WebhookPayloadRetentionDays);
        var cleared = await Batches.RunAsync(db, ClearSql, Batch, parameters =>
        {
            parameters.AddWithValue("cutoff", cutoff);
            parameters.AddWithValue("batch", Batch);
        }, ct);
        logger.LogInformation("Cleared {Payloads} webhook payloads received before {Cutoff} in {Elapsed} ms",
            cleared, cutoff, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        return cleared;
    }
}
