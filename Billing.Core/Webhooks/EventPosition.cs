using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Webhooks;

/// <summary>
/// Where a Stripe event stands in the one order events are applied in: <c>created</c>, then its <see cref="Rank"/>
/// inside one second. The ranks, the event types handled, ties and snapshots are the rules of
/// docs/webhooks-and-usage.md#the-order, all in this file.
/// </summary>
public readonly record struct EventPosition(DateTimeOffset Created, short Rank) : IComparable<EventPosition>
{
    /// <summary>A subscription as reconciliation read it at second S: after every event before S, before any of S.</summary>
    public const short Snapshot = -1;
    public const short CheckoutCompleted = 0;
    public const short SubscriptionCreated = 1;
    public const short SubscriptionUpdated = 2;
    public const short PaymentFailed = 3;
    public const short PaymentSucceeded = 4;
    public const short SubscriptionDeleted = 5;
    public const short ScheduleCreated = 6;
    public const short ScheduleUpdated = 7;
    public const short ScheduleEnded = 8;

    /// <summary>Our own event type for a reconciliation snapshot, recorded in webhook_events like Stripe's (never read from the queue).</summary>
    public const string SnapshotEventType = "loginexus.subscription.reconciled";

    /// <summary>The Stripe event types the applier handles, each with its rank: the one list (<c>stripe-setup</c> subscribes to exactly these).</summary>
    public static IReadOnlyList<(string Type, short Rank)> Handled { get; } =
    [
        (EventTypes.CheckoutSessionCompleted, CheckoutCompleted),
        (EventTypes.CustomerSubscriptionCreated, SubscriptionCreated),
        (EventTypes.CustomerSubscriptionUpdated, SubscriptionUpdated),
        (EventTypes.CustomerSubscriptionTrialWillEnd, SubscriptionUpdated),
        (EventTypes.InvoicePaymentFailed, PaymentFailed),
        (EventTypes.InvoicePaid, PaymentSucceeded),
        (EventTypes.CustomerSubscriptionDeleted, SubscriptionDeleted),
        (EventTypes.SubscriptionScheduleCreated, ScheduleCreated),
        (EventTypes.SubscriptionScheduleUpdated, ScheduleUpdated),
        (EventTypes.SubscriptionScheduleReleased, ScheduleEnded),
        (EventTypes.SubscriptionScheduleCanceled, ScheduleEnded),
        (EventTypes.SubscriptionScheduleCompleted, ScheduleEnded),
        (EventTypes.SubscriptionScheduleAborted, ScheduleEnded),
    ];

    public static IReadOnlyList<string> HandledEventTypes { get; } = Handled.Select(h => h.Type).ToList();

    /// <summary>The rank of an event type that changes a tenant; null for every other type.</summary>
    public static short? RankOf(string eventType) =>
        Handled.Where(h => h.Type == eventType).Select(h => (short?)h.Rank).FirstOrDefault();

    public static bool IsSchedule(short rank) => rank is ScheduleCreated or ScheduleUpdated or ScheduleEnded;

    /// <summary>A tie only Stripe can settle: two <c>customer.subscription.updated</c> (or trial_will_end) of one subscription in one second.</summary>
    public bool TiesWith(EventPosition recorded) => this == recorded && Rank == SubscriptionUpdated;

    /// <summary>
    /// Whether this event replaces what <paramref name="recordedEventId"/> recorded at <paramref name="recorded"/> in a
    /// register that settles its ties by the larger event id (a schedule's, the same in every order).
    /// </summary>
    public bool Supersedes(EventPosition recorded, string eventId, string? recordedEventId) =>
        this > recorded || (this == recorded && string.CompareOrdinal(eventId, recordedEventId) > 0);

    public static EventPosition? From(DateTimeOffset? created, short? rank) =>
        created is { } c && rank is { } r ? new EventPosition(c, r) : null;

    public int CompareTo(EventPosition other)
    {
        var byTime = Created.CompareTo(other.Created);
        return byTime != 0 ? byTime : Rank.CompareTo(other.Rank);
    }

    public static bool operator <(EventPosition a, EventPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(EventPosition a, EventPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(EventPosition a, EventPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(EventPosition a, EventPosition b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Created.ToUnixTimeSeconds()}/{Rank}";
}
