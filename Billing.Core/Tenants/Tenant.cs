using Billing.Core.Subscriptions;
using Billing.Core.Usage;

namespace Billing.Core.Tenants;

/// <summary>A LogiNexus tenant's billing row (table <c>tenants</c>), worked out from its subscriptions by <see cref="Project"/>.</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public string? StripeCustomerId { get; set; }
    public string? StripeSubscriptionId { get; set; }
    public PlanTier PlanTier { get; set; } = PlanTier.Free;

    /// <summary>How often the tenant pays (its subscription's price); null on the free plan or when not known.</summary>
    public BillingInterval? BillingInterval { get; set; }

    /// <summary>
    /// The currency the tenant's Stripe customer pays in: its newest subscription's, kept after that one ends (Stripe
    /// keeps a customer on one currency, so a later checkout must use it); null before the first subscription.
    /// </summary>
    public string? Currency { get; set; }
    public string SubscriptionStatus { get; set; } = SubscriptionStatuses.Active;
    public bool CancelAtPeriodEnd { get; set; }
    public DateTimeOffset? BillingPeriodStart { get; set; }
    public DateTimeOffset? BillingPeriodEnd { get; set; }

    /// <summary>
    /// The tier whose limits apply while <see cref="GraceUntil"/> has not passed (the limits now are
    /// <see cref="LimitsTierAt"/>'s). Differs from <see cref="PlanTier"/> while a payment problem restricts the tenant.
    /// </summary>
    public PlanTier LimitsTier { get; set; } = PlanTier.Free;
    public DateTimeOffset? TrialEnd { get; set; }
    public DateTimeOffset? CancelAt { get; set; }
    public PlanTier? PendingPlanTier { get; set; }
    public DateTimeOffset? PendingChangeAt { get; set; }
    /// <summary>The first failed payment of the current run of failures; null when the last invoice was paid.</summary>
    public DateTimeOffset? PaymentFailedAt { get; set; }
    /// <summary>Until when a past-due subscription keeps its paid limits (<see cref="PaymentFailedAt"/> + PAYMENT_GRACE_DAYS).</summary>
    public DateTimeOffset? GraceUntil { get; set; }

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
    /// The tier whose limits apply at <paramref name="now"/>: the one rule, here and as SQL in
    /// <see cref="LimitsTierSql"/>. A grace that has run out means free limits, without an event: time alone ends it.
    /// </summary>
    public PlanTier LimitsTierAt(DateTimeOffset now) => GraceUntil is { } until && until <= now ? PlanTier.Free : LimitsTier;

    /// <summary><see cref="LimitsTierAt"/> as a SQL expression over a <c>tenants</c> row, with <paramref name="now"/> a parameter or column.</summary>
    public static string LimitsTierSql(string now) => $"(CASE WHEN grace_until <= {now} THEN 'free' ELSE limits_tier END)";

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
    /// <remarks>Also the limits, trial, cancellation, scheduled change and payment grace of the tenant's subscription.</remarks>
    public SubscriptionProjection Project(IReadOnlyCollection<StripeSubscription> subscriptions, IReadOnlyCollection<SubscriptionSchedule> schedules,
        DateTimeOffset now, TimeSpan grace)
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
            ProjectLifecycle(current, schedules, grace);
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
            ProjectLifecycle(null, schedules, grace);
        }
        Currency = subscriptions.Where(s => s.Currency is not null)
            .OrderByDescending(s => s.StripeCreatedAt ?? DateTimeOffset.MinValue).ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .FirstOrDefault()?.Currency ?? Currency;
        UpdatedAt = now;
        return new SubscriptionProjection(current, live.Where(s => s != current).ToList());
    }

    /// <summary>
    /// Which limits apply and what the tenant is told about its subscription's life. Active and trialing grant the
    /// plan's limits; past due keeps them until the grace after the run's first failed payment has passed; unpaid,
    /// incomplete and paused grant free limits at once. A scheduled change shows until the newest state is already
    /// in its period.
    /// </summary>
    private void ProjectLifecycle(StripeSubscription? current, IReadOnlyCollection<SubscriptionSchedule> schedules, TimeSpan grace)
    {
        var status = current?.EffectiveStatus;
        var live = current is { IsLive: true, PlanTier: not null };
        LimitsTier = live && status is SubscriptionStatuses.Active or SubscriptionStatuses.Trialing or SubscriptionStatuses.PastDue
            ? current!.PlanTier!.Value : PlanTier.Free;
        TrialEnd = status == SubscriptionStatuses.Trialing ? current!.TrialEnd : null;
        CancelAt = current is { HasState: true, Ended: false } ? current.CancelAt : null;
        var troubled = status is SubscriptionStatuses.PastDue or SubscriptionStatuses.Unpaid;
        // Failures we never saw (a snapshot said past_due): the grace starts from the state that said so.
        PaymentFailedAt = troubled ? current!.PaymentFailedAt ?? current.StateEventAt : null;
        GraceUntil = PaymentFailedAt + grace;

        var schedule = current is null ? null : schedules
            .Where(s => s.SubscriptionId == current.Id && !s.Ended && s.NextTier is not null && s.NextAt is not null)
            .OrderByDescending(s => s.StripeCreatedAt ?? s.EventAt).ThenBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault();
        var pending = schedule is not null && current!.PlanTier != schedule.NextTier && (current.PeriodStart is not { } start || schedule.NextAt > start);
        PendingPlanTier = pending ? schedule!.NextTier : null;
        PendingChangeAt = pending ? schedule!.NextAt : null;
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
    public const string Incomplete = "incomplete";
    public const string Paused = "paused";

    public const string IncompleteExpired = "incomplete_expired";

    public static bool IsLive(string status) => status is Active or Trialing or PastDue or Unpaid;

    public static bool HasEnded(string status) => status is Canceled or IncompleteExpired;
}
