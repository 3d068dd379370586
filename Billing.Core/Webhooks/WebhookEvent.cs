namespace Billing.Core.Webhooks;

/// <summary>A Stripe event we have seen (table <c>webhook_events</c>); its unique id makes applying idempotent.</summary>
public sealed class WebhookEvent
{
    public Guid Id { get; set; }
    public string StripeEventId { get; set; } = "";
    public string EventType { get; set; } = "";
    /// <summary>The whole raw event as Stripe sent it.</summary>
    public string Payload { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? Outcome { get; set; }
}

public static class WebhookOutcomes
{
    public const string Applied = "applied";
    public const string Ignored = "ignored";
    public const string Stale = "stale";
}
