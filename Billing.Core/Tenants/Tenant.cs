using Billing.Core.Plans;
using Billing.Core.Usage;

namespace Billing.Core.Tenants;

/// <summary>A LogiNexus tenant's billing row (DESIGN.md section 8, table <c>tenants</c>).</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public string? StripeCustomerId { get; set; }
    public string? StripeSubscriptionId { get; set; }
    public PlanTier PlanTier { get; set; } = PlanTier.Free;
    public string SubscriptionStatus { get; set; } = SubscriptionStatuses.Active;
    public bool CancelAtPeriodEnd { get; set; }
    public DateTimeOffset? BillingPeriodStart { get; set; }
    public DateTimeOffset? BillingPeriodEnd { get; set; }

    /// <summary>Creation time of the last subscription event applied; older ones are stale.</summary>
    public DateTimeOffset? SubscriptionEventAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public BillingPeriod CurrentPeriod(DateTimeOffset now) =>
        BillingPeriod.Current(BillingPeriodStart, BillingPeriodEnd, now);

    /// <summary>Stripe does not order events: one created before the last applied subscription event is stale.</summary>
    public bool IsStale(DateTimeOffset eventCreated) => SubscriptionEventAt is { } last && eventCreated < last;

    /// <summary>
    /// Links the Stripe customer (once: checkout creates one customer per tenant) and, when given, the
    /// subscription. Returns false when the event names a different customer than the one linked.
    /// </summary>
    public bool LinkStripe(string? customerId, string? subscriptionId, DateTimeOffset now)
    {
        if (customerId is not null && StripeCustomerId is not null && customerId != StripeCustomerId)
            return false;
        StripeCustomerId ??= customerId;
        if (subscriptionId is not null) StripeSubscriptionId = subscriptionId;
        UpdatedAt = now;
        return true;
    }

    /// <summary>
    /// A subscription was created or changed in Stripe: take its status and period, and its tier only while it
    /// is live. An ended one (canceled, incomplete_expired) is the same as a deletion, whichever of the two
    /// events Stripe delivers last; one not yet paid or paused (incomplete, paused) grants no paid limits.
    /// </summary>
    public void ApplySubscription(SubscriptionState state, DateTimeOffset eventCreated, DateTimeOffset now)
    {
        if (SubscriptionStatuses.HasEnded(state.Status))
        {
            EndSubscription(eventCreated, now);
            return;
        }
        StripeCustomerId ??= state.CustomerId;
        StripeSubscriptionId = state.SubscriptionId;
        UpdatedAt = now;
        PlanTier = SubscriptionStatuses.IsLive(state.Status) ? state.Tier : PlanTier.Free;
        SubscriptionStatus = state.Status;
        CancelAtPeriodEnd = state.CancelAtPeriodEnd;
        if (state.Period is { } period)
        {
            BillingPeriodStart = period.Start;
            BillingPeriodEnd = period.End;
        }
        SubscriptionEventAt = eventCreated;
    }

    /// <summary>The subscription ended: back to free, on calendar months.</summary>
    public void EndSubscription(DateTimeOffset eventCreated, DateTimeOffset now)
    {
        var month = BillingPeriod.CalendarMonth(now);
        PlanTier = PlanTier.Free;
        SubscriptionStatus = SubscriptionStatuses.Canceled;
        CancelAtPeriodEnd = false;
        StripeSubscriptionId = null;
        BillingPeriodStart = month.Start;
        BillingPeriodEnd = month.End;
        SubscriptionEventAt = eventCreated;
        UpdatedAt = now;
    }

    /// <summary>An invoice was paid: a subscription that was behind on payment is active again. Returns whether anything changed.</summary>
    public bool MarkPaid(DateTimeOffset now)
    {
        if (SubscriptionStatus is not (SubscriptionStatuses.PastDue or SubscriptionStatuses.Unpaid)) return false;
        SubscriptionStatus = SubscriptionStatuses.Active;
        UpdatedAt = now;
        return true;
    }

    public void MarkPastDue(DateTimeOffset now)
    {
        SubscriptionStatus = SubscriptionStatuses.PastDue;
        UpdatedAt = now;
    }
}

/// <summary>What a subscription event says about the tenant's subscription.</summary>
public sealed record SubscriptionState(string? CustomerId, string SubscriptionId, PlanTier Tier, string Status, bool CancelAtPeriodEnd, BillingPeriod? Period);

/// <summary>Stripe's subscription statuses that we store as they come; <see cref="Live"/> ones block a second checkout.</summary>
public static class SubscriptionStatuses
{
    public const string Active = "active";
    public const string Trialing = "trialing";
    public const string PastDue = "past_due";
    public const string Unpaid = "unpaid";
    public const string Canceled = "canceled";

    public const string IncompleteExpired = "incomplete_expired";

    public static bool IsLive(string status) => status is Active or Trialing or PastDue or Unpaid;

    public static bool HasEnded(string status) => status is Canceled or IncompleteExpired;
}
