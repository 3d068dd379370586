using Billing.Core.Usage;
using Billing.Core.Webhooks;

namespace Billing.Core.Subscriptions;

/// <summary>
/// What we know of one Stripe subscription of a tenant (table <c>subscriptions</c>), kept per subscription so
/// that the tenant's row can be worked out from the set of events seen, whatever order they came in. Two
/// registers each keep the newest write by <see cref="EventPosition"/>: the subscription's own state (from
/// <c>customer.subscription.*</c> events) and the last payment result (from <c>invoice.*</c> events).
/// <see cref="Ended"/> only ever goes from false to true: an ended subscription is never current again.
/// </summary>
public sealed class StripeSubscription
{
    public string Id { get; set; } = "";
    public Guid TenantId { get; set; }
    public string? CustomerId { get; set; }

    /// <summary>The Checkout Session that created it, when its completion has been seen.</summary>
    public string? CheckoutSessionId { get; set; }

    /// <summary>Stripe's creation time of the subscription itself: of two live subscriptions, the older one is the tenant's.</summary>
    public DateTimeOffset? StripeCreatedAt { get; set; }

    // The state register: null until a customer.subscription.* event has been applied.
    public PlanTier? PlanTier { get; set; }

    /// <summary>How often its price bills (from the price id); null for a row from before intervals were recorded.</summary>
    public BillingInterval? BillingInterval { get; set; }

    /// <summary>The currency it bills in (Stripe's <c>currency</c>, lowercase); null for a row from before currencies were recorded.</summary>
    public string? Currency { get; set; }
    public string? Status { get; set; }
    public bool CancelAtPeriodEnd { get; set; }
    public DateTimeOffset? PeriodStart { get; set; }
    public DateTimeOffset? PeriodEnd { get; set; }
    /// <summary>When its trial ends (Stripe's <c>trial_end</c>), as the newest state says.</summary>
    public DateTimeOffset? TrialEnd { get; set; }
    /// <summary>When it is set to end (Stripe's <c>cancel_at</c>, or the period end when it cancels at period end).</summary>
    public DateTimeOffset? CancelAt { get; set; }
    public DateTimeOffset? StateEventAt { get; set; }
    public short? StateEventRank { get; set; }
    public string? StateEventId { get; set; }

    // The payment register: the newest invoice.paid / invoice.payment_failed.
    public bool? LastPaymentFailed { get; set; }
    public DateTimeOffset? PaymentEventAt { get; set; }
    public short? PaymentEventRank { get; set; }

    // The current run of failed payments: the newest invoice.paid, and every invoice.payment_failed newer than it.
    // Both only depend on which invoice events arrived, so the run's first failure does too (grace starts there).
    public DateTimeOffset? LastPaidAt { get; set; }
    public List<DateTimeOffset> FailedPaymentsAt { get; set; } = [];

    /// <summary>The first failed payment since the last paid invoice; null when none failed since.</summary>
    public DateTimeOffset? PaymentFailedAt => FailedPaymentsAt.Count == 0 ? null : FailedPaymentsAt.Min();

    public bool Ended { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public EventPosition? StatePosition => EventPosition.From(StateEventAt, StateEventRank);
    public EventPosition? PaymentPosition => EventPosition.From(PaymentEventAt, PaymentEventRank);

    /// <summary>A subscription event has told us its state.</summary>
    public bool HasState => Status is not null;

    /// <summary>
    /// The status once the newest payment result is taken into account: a failed payment newer than the
    /// subscription's state makes an active subscription past due; a paid one brings a past-due or unpaid one back.
    /// </summary>
    public string? EffectiveStatus
    {
        get
        {
            if (Ended) return SubscriptionStatuses.Canceled;
            var paymentIsNewer = PaymentPosition is { } payment && (StatePosition is not { } state || payment > state);
            if (!paymentIsNewer) return Status;
            return LastPaymentFailed == true
                ? Status is null or SubscriptionStatuses.Active or SubscriptionStatuses.Trialing ? SubscriptionStatuses.PastDue : Status
                : Status is null or SubscriptionStatuses.PastDue or SubscriptionStatuses.Unpaid ? SubscriptionStatuses.Active : Status;
        }
    }

    /// <summary>Known, not ended, and in a status that grants the plan's limits.</summary>
    public bool IsLive => HasState && !Ended && SubscriptionStatuses.IsLive(EffectiveStatus!);

    /// <summary>
    /// Takes a subscription event's state if it is newer than the one we have. Equal positions are a tie
    /// (two updates of one second) unless <paramref name="winsTie"/> says the caller has resolved it.
    /// </summary>
    public RecordResult RecordState(SubscriptionState state, EventPosition at, string eventId, bool winsTie, DateTimeOffset now)
    {
        if (SubscriptionStatuses.HasEnded(state.Status)) Ended = true;
        if (StatePosition is { } last)
        {
            if (at < last) return RecordResult.Stale;
            if (at == last && !winsTie) return at.TiesWith(last) ? RecordResult.Tie : RecordResult.Stale;
        }
        CustomerId ??= state.CustomerId;
        StripeCreatedAt ??= state.StripeCreatedAt;
        PlanTier = state.Tier ?? PlanTier;
        BillingInterval = state.Interval ?? BillingInterval;
        Currency = state.Currency ?? Currency;
        Status = state.Status;
        CancelAtPeriodEnd = state.CancelAtPeriodEnd;
        TrialEnd = state.TrialEnd;
        CancelAt = state.CancelAt ?? (state.CancelAtPeriodEnd ? state.Period?.End : null);
        if (state.Period is { } period)
        {
            PeriodStart = period.Start;
            PeriodEnd = period.End;
        }
        StateEventAt = at.Created;
        StateEventRank = at.Rank;
        StateEventId = eventId;
        UpdatedAt = now;
        return RecordResult.Recorded;
    }

    /// <summary>
    /// Takes a payment result if it is newer than the last one. Whatever its place, it also goes into the run of
    /// failures: a paid invoice ends every failure before it (a failure of the same second ranks before it), a
    /// failure after the last paid invoice joins the run.
    /// </summary>
    public RecordResult RecordPayment(bool failed, EventPosition at, DateTimeOffset now)
    {
        var runChanged = false;
        if (failed)
        {
            if ((LastPaidAt is not { } paid || at.Created > paid) && !FailedPaymentsAt.Contains(at.Created))
            {
                FailedPaymentsAt = [.. FailedPaymentsAt, at.Created];
                runChanged = true;
            }
        }
        else if (LastPaidAt is not { } paid || at.Created > paid)
        {
            LastPaidAt = at.Created;
            FailedPaymentsAt = FailedPaymentsAt.Where(f => f > at.Created).ToList();
            runChanged = true;
        }
        if (PaymentPosition is { } last && at <= last)
        {
            if (runChanged) UpdatedAt = now;
            return runChanged ? RecordResult.Recorded : RecordResult.Stale;
        }
        LastPaymentFailed = failed;
        PaymentEventAt = at.Created;
        PaymentEventRank = at.Rank;
        UpdatedAt = now;
        return RecordResult.Recorded;
    }
}

public enum RecordResult
{
    Recorded,
    Stale,
    /// <summary>Same position as the state we have: the order cannot be told from the events.</summary>
    Tie,
}

/// <summary>What a subscription event says about a subscription. <see cref="Tier"/> and <see cref="Interval"/> are null when its price is none of ours.</summary>
public sealed record SubscriptionState(
    string? CustomerId, string SubscriptionId, PlanTier? Tier, string Status, bool CancelAtPeriodEnd, BillingPeriod? Period, DateTimeOffset? StripeCreatedAt,
    BillingInterval? Interval = null, DateTimeOffset? TrialEnd = null, DateTimeOffset? CancelAt = null, string? Currency = null);
