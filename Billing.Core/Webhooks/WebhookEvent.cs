namespace Billing.Core.Webhooks;

/// <summary>A Stripe event we have seen (table <c>webhook_events</c>); its unique id makes applying idempotent.</summary>
public sealed class WebhookEvent
{
    public Guid Id { get; set; }
    public string StripeEventId { get; set; } = "";
    public string EventType { get; set; } = "";
    /// <summary>The whole raw event as Stripe sent it; null once WEBHOOK_PAYLOAD_RETENTION_DAYS have passed (<see cref="WebhookPayloadRetention"/>).</summary>
    public string? Payload { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? Outcome { get; set; }
}

/// <summary>Why an event did or did not change a tenant, as an operator reads it in <c>webhook_events.outcome</c>.</summary>
public static class WebhookOutcomes
{
    /// <summary>It changed what we know of the tenant's subscription.</summary>
    public const string Applied = "applied";

    /// <summary>Nothing to act on: another event type, no tenant, a price that is not ours, another customer, or a subscription that is not the tenant's.</summary>
    public const string Ignored = "ignored";

    /// <summary>Older, in the event order, than what was already applied for its subscription, or about a subscription that has ended.</summary>
    public const string Stale = "stale";

    /// <summary>Two updates of one subscription in one second: applied as Stripe shows the subscription now.</summary>
    public const string TieResolved = "tie_resolved";

    /// <summary>The tenant has a second live subscription (paid twice): it keeps its oldest one; the other must be refunded.</summary>
    public const string DuplicateSubscription = "duplicate_subscription";

    /// <summary>A reconciliation snapshot changed the tenant: a webhook had been missed (only changes are recorded).</summary>
    public const string DriftRepaired = "drift_repaired";

    public static readonly IReadOnlyList<string> All = [Applied, Ignored, Stale, TieResolved, DuplicateSubscription, DriftRepaired];
}
