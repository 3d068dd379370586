using Billing.Core.Plans;
using Billing.Core.Subscriptions;
using Billing.Core.Usage;

namespace Billing.Core.Tenants;

/// <summary>A LogiNexus tenant's billing row (DESIGN.md section 8, table <c>tenants</c>).</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public string? StripeCustomerId { get; set; }
    public string? StripeSubscriptionId { get; set; }
    public PlanTier PlanTier { get; set; } = PlanTier.Free;

    /// <summary>How often the tenant pays (its subscription's price); null on the free plan or when not known.</summary>
    public BillingInterval? BillingInterval { get; set; }
    public string SubscriptionStatus { get; set; } = SubscriptionStatuses.Active;
    public bool CancelAtPeriodEnd { get; set; }
    public DateTimeOffset? BillingPeriodStart { get; set; }
    public DateTimeOffset? BillingPeriodEnd { get; set; }

    /// <summary>Creation time of the newest event applied to this tenant (the order itself is kept per subscription).</summary>
    public DateTimeOffset? SubscriptionEventAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public BillingPeriod CurrentPeriod(DateTimeOffset now) =>
        BillingPeriod.Current(BillingPeriodStart, BillingPeriodEnd, now);

    /// <summary>True when the tenant is linked to another Stripe customer than the one named: checkout creates one customer per tenant.</summary>
    public bool IsLinkedToAnotherCustomer(string? customerId) =>
        customerId is not null && StripeCustomerId is not null && customerId != StripeCustomerId;

    /// <summary>
    /// Links the Stripe customer, once. Only for an event that passed every check: an event that changes
    /// nothing else (another mode, a price that is not ours, another tenant's subscription) links nothing either.
    /// </summary>
    public void LinkCustomer(string? customerId, DateTimeOffset now)
    {
        if (customerId is null || StripeCustomerId is not null) return;
        StripeCustomerId = customerId;
        UpdatedAt = now;
    }

    /// <summary>
    /// Works out the tenant's plan from everything known about its subscriptions, so the row depends only on
    /// which events have been applied, never on the order they came in. The tenant's subscription is its
    /// oldest live one (by Stripe's creation time); failing that its oldest known one that has not ended
    /// (incomplete, paused: no paid limits); failing that one whose checkout completed but whose state has
    /// not arrived yet. With none left, a tenant whose subscription ended is back on free, on calendar months.
    /// </summary>
    public SubscriptionProjection Project(IReadOnlyCollection<StripeSubscription> subscriptions, DateTimeOffset now)
    {
        // No creation time: a row carried over by the migration, the subscription the tenant already had, so it comes first.
        var open = subscriptions.Where(s => !s.Ended).OrderBy(s => s.StripeCreatedAt ?? DateTimeOffset.MinValue).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        var live = open.Where(s => s.IsLive).ToList();
        var current = live.FirstOrDefault()
                      ?? open.FirstOrDefault(s => s.HasState)
                      ?? open.FirstOrDefault(s => s.CheckoutSessionId is not null);

        if (current is not null)
        {
            StripeSubscriptionId = current.Id;
            PlanTier = current.IsLive && current.PlanTier is { } tier ? tier : PlanTier.Free;
            BillingInterval = current.IsLive ? current.BillingInterval : null;
            SubscriptionStatus = current.EffectiveStatus ?? SubscriptionStatus;
            CancelAtPeriodEnd = current.HasState && current.CancelAtPeriodEnd;
            if (current.PeriodStart is { } start && current.PeriodEnd is { } end)
            {
                // A yearly period keeps monthly limits: the usage period is its month slice in force now.
                var usage = BillingPeriod.MonthSlice(start, end, now);
                BillingPeriodStart = usage.Start;
                BillingPeriodEnd = usage.End;
            }
        }
        else if (subscriptions.Any(s => s.Ended))
        {
            var month = BillingPeriod.CalendarMonth(now);
            StripeSubscriptionId = null;
            PlanTier = PlanTier.Free;
            BillingInterval = null;
            SubscriptionStatus = SubscriptionStatuses.Canceled;
            CancelAtPeriodEnd = false;
            BillingPeriodStart = month.Start;
            BillingPeriodEnd = month.End;
        }
        UpdatedAt = now;
        return new SubscriptionProjection(current, live.Where(s => s != current).ToList());
    }
}

/// <summary>The tenant's subscription after <see cref="Tenant.Project"/>, and any other live one (paid twice: to refund).</summary>
public sealed record SubscriptionProjection(StripeSubscription? Current, IReadOnlyList<StripeSubscription> Duplicates);

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
