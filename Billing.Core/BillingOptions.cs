using Microsoft.Extensions.Configuration;

namespace Billing.Core;

/// <summary>Switches and origins that shape what the service allows (docs/settings.md).</summary>
public sealed class BillingOptions
{
    /// <summary><c>false</c> turns enforcement off: consume is always allowed and still counted.</summary>
    [ConfigurationKeyName("BILLING_ENABLED")]
    public bool Enabled { get; set; } = true;

    /// <summary>Default redirect target and the only origin a redirect may point at.</summary>
    [ConfigurationKeyName("FRONTEND_BASE_URL")]
    public string FrontendBaseUrl { get; set; } = "";

    [ConfigurationKeyName("USAGE_ROLLOVER_SCHEDULE")]
    public string RolloverSchedule { get; set; } = "0 5 * * * *";

    /// <summary>
    /// How long a consume's <c>Idempotency-Key</c> is kept (for replays and release) before the rollover timer
    /// deletes it. Longer than any billing period, so a release is always possible within its period.
    /// </summary>
    [ConfigurationKeyName("USAGE_IDEMPOTENCY_RETENTION_DAYS")]
    public int IdempotencyRetentionDays { get; set; } = 45;

    /// <summary>
    /// Days a past-due subscription keeps its paid limits after the first failed payment of a run of failures;
    /// after that its limits are free's until an invoice is paid.
    /// </summary>
    [ConfigurationKeyName("PAYMENT_GRACE_DAYS")]
    public int PaymentGraceDays { get; set; } = 7;

    public const int MaxPaymentGraceDays = 60;

    public TimeSpan PaymentGrace => TimeSpan.FromDays(PaymentGraceDays);

    /// <summary>
    /// How long a webhook event's raw payload (customer names, e-mails, addresses) is kept before the
    /// ClearWebhookPayloads timer clears it; the <c>webhook_events</c> row stays, so dedup keeps working.
    /// </summary>
    [ConfigurationKeyName("WEBHOOK_PAYLOAD_RETENTION_DAYS")]
    public int WebhookPayloadRetentionDays { get; set; } = 90;

    /// <summary>NCRONTAB of the ClearWebhookPayloads timer: once a day at a quiet hour (UTC).</summary>
    [ConfigurationKeyName("WEBHOOK_PAYLOAD_SWEEP_SCHEDULE")]
    public string PayloadSweepSchedule { get; set; } = "0 15 4 * * *";

    public const int MinRetentionDays = 32;

    /// <summary>A week: an operator looking into an incident still finds its events whole.</summary>
    public const int MinPayloadRetentionDays = 7;
    public const int MaxRetentionDays = 3650;
}
