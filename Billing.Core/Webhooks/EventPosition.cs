using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Webhooks;

/// <summary>
/// Where a Stripe event stands in the one total order we apply events in. Stripe delivers events in no
/// particular order and stamps them in whole seconds, so the order is: <c>created</c> first, then, inside one
/// second, the subscription lifecycle (<see cref="Rank"/>): a checkout completes before its subscription is
/// created, a subscription is created before it is updated, an update comes before a payment result, a failed
/// payment before a paid one, and a deletion after everything. Two positions that compare equal are a tie,
/// which only two <c>customer.subscription.updated</c> events of one second can be; the applier resolves that
/// by asking Stripe (see <c>StripeEventApplier</c>).
/// </summary>
public readonly record struct EventPosition(DateTimeOffset Created, short Rank) : IComparable<EventPosition>
{
    /// <summary>
    /// A subscription as Stripe showed it when reconciliation asked at second S: newer than every event created
    /// before S, older than any event of S itself or later (those may not be in the snapshot yet).
    /// </summary>
    public const short Snapshot = -1;
    public const short CheckoutCompleted = 0;
    public const short SubscriptionCreated = 1;
    public const short SubscriptionUpdated = 2;
    public const short PaymentFailed = 3;
    public const short PaymentSucceeded = 4;
    public const short SubscriptionDeleted = 5;

    /// <summary>Our own event type for a reconciliation snapshot, recorded in webhook_events like Stripe's.</summary>
    public const string SnapshotEventType = "loginexus.subscription.reconciled";

    /// <summary>
    /// The Stripe event types the applier handles, each with its rank: the one list. <c>stripe-setup</c>
    /// subscribes the webhook endpoint to exactly these, so a type added here is delivered after the next setup run.
    /// </summary>
    public static IReadOnlyList<(string Type, short Rank)> Handled { get; } =
    [
        (EventTypes.CheckoutSessionCompleted, CheckoutCompleted),
        (EventTypes.CustomerSubscriptionCreated, SubscriptionCreated),
        (EventTypes.CustomerSubscriptionUpdated, SubscriptionUpdated),
        (EventTypes.InvoicePaymentFailed, PaymentFailed),
        (EventTypes.InvoicePaid, PaymentSucceeded),
        (EventTypes.CustomerSubscriptionDeleted, SubscriptionDeleted),
    ];

    public static IReadOnlyList<string> HandledEventTypes { get; } = Handled.Select(h => h.Type).ToList();

    /// <summary>The rank of an event type that changes a tenant; null for every other type.</summary>
    public static short? RankOf(string eventType) =>
        eventType == SnapshotEventType ? Snapshot
        : Handled.Where(h => h.Type == eventType).Select(h => (short?)h.Rank).FirstOrDefault();

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
