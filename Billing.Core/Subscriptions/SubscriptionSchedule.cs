using Billing.Core.Webhooks;
using System.Text.Json;

namespace Billing.Core.Subscriptions;

/// <summary>
/// A Stripe subscription schedule of a tenant's subscription (table <c>subscription_schedules</c>): how we show a
/// scheduled plan change (a downgrade at the end of the paid period). One register per schedule keeps the newest
/// <c>subscription_schedule.*</c> event by <see cref="EventPosition"/>; <see cref="Ended"/> (released, canceled or
/// completed) only ever goes from false to true. So what the tenant sees depends only on which schedule events
/// arrived, whatever their order; a schedule made after another one is its own row.
/// </summary>
public sealed class SubscriptionSchedule
{
    public string Id { get; set; } = "";
    public Guid TenantId { get; set; }
    public string SubscriptionId { get; set; } = "";

    /// <summary>The tier of the phase after the current one and when it starts; null when no later phase changes the price.</summary>
    public PlanTier? NextTier { get; set; }
    public DateTimeOffset? NextAt { get; set; }

    public bool Ended { get; set; }
    public DateTimeOffset? StripeCreatedAt { get; set; }
    public DateTimeOffset? EventAt { get; set; }
    public short? EventRank { get; set; }
    public string? EventId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public EventPosition? Position => EventPosition.From(EventAt, EventRank);

    /// <summary>Takes what a schedule event says if it is newer than what we have; an end is kept whatever its place.</summary>
    public RecordResult Record(ScheduleState state, EventPosition at, string eventId, DateTimeOffset now)
    {
        var ends = !Ended && state.HasEnded;
        if (ends) Ended = true;
        StripeCreatedAt ??= state.StripeCreatedAt;
        if (Position is { } last && !at.Supersedes(last, eventId, EventId))
        {
            if (ends) UpdatedAt = now;
            return ends ? RecordResult.Recorded : RecordResult.Stale;
        }
        NextTier = state.NextTier;
        NextAt = state.NextAt;
        EventAt = at.Created;
        EventRank = at.Rank;
        EventId = eventId;
        UpdatedAt = now;
        return RecordResult.Recorded;
    }
}

/// <summary>What a <c>subscription_schedule.*</c> event says: its subscription, whether it has ended, and the next phase's tier.</summary>
public sealed record ScheduleState(string ScheduleId, string SubscriptionId, bool HasEnded, PlanTier? NextTier, DateTimeOffset? NextAt, DateTimeOffset? StripeCreatedAt)
{
    public const string Released = "released";
    public const string Canceled = "canceled";
    public const string Completed = "completed";

    public static bool IsEnd(string? status) => status is Released or Canceled or Completed;

    /// <summary>
    /// Reads a <c>subscription_schedule</c> object: its subscription (<c>released_subscription</c> once released), and the
    /// first phase that starts after the current one, with the tier of its price (null when that price is none of ours).
    /// </summary>
    public static ScheduleState? From(StripeObjectJson schedule, Func<string?, PlanTier?> tierForPrice)
    {
        if (schedule.String("id") is not { } id ||
            (schedule.Reference("subscription") ?? schedule.Reference("released_subscription")) is not { } subscriptionId)
            return null;
        var status = schedule.String("status");
        var o = schedule.Element;
        long? currentStart = o.TryGetProperty("current_phase", out var current) && current.ValueKind == JsonValueKind.Object ? Seconds(current, "start_date") : null;
        (long Start, string? Price)? next = null;
        if (o.TryGetProperty("phases", out var phases) && phases.ValueKind == JsonValueKind.Array)
        {
            next = phases.EnumerateArray()
                .Select(p => (Start: Seconds(p, "start_date"), Price: FirstPrice(p)))
                .Where(p => p.Start is { } start && (currentStart is null || start > currentStart))
                .OrderBy(p => p.Start)
                .Select(p => ((long, string?)?)(p.Start!.Value, p.Price))
                .FirstOrDefault();
        }
        return new ScheduleState(id, subscriptionId, IsEnd(status), next is { } n ? tierForPrice(n.Price) : null,
            next is { } at ? DateTimeOffset.FromUnixTimeSeconds(at.Start) : null, schedule.Time("created"));
    }

    private static long? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) ? seconds : null;

    private static string? FirstPrice(JsonElement phase) =>
        phase.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0 &&
        items[0].TryGetProperty("price", out var price)
            ? price.ValueKind == JsonValueKind.String ? price.GetString()
              : price.ValueKind == JsonValueKind.Object && price.TryGetProperty("id", out var id) ? id.GetString() : null
            : null;
}
