using Billing.Core.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Webhooks;

/// <summary>Daily: webhook payloads older than WEBHOOK_PAYLOAD_RETENTION_DAYS are cleared; their rows stay for dedup.</summary>
public sealed class ClearWebhookPayloads(WebhookPayloadRetention retention)
{
    [Function(nameof(ClearWebhookPayloads))]
    public Task Run([TimerTrigger("%WEBHOOK_PAYLOAD_SWEEP_SCHEDULE%")] TimerInfo timer, CancellationToken ct)
        => retention.RunAsync(ct);
}
