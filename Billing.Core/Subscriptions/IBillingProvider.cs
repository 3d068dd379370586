using Billing.Core.Usage;

namespace Billing.Core.Subscriptions;

/// <summary>
/// <paramref name="Locale"/> is the language Checkout opens in (<c>en</c>, <c>ko</c>); null lets Stripe choose.
/// <paramref name="TrialDays"/>: a first subscription's trial (STRIPE_TRIAL_DAYS), null for none.
/// <paramref name="Currency"/>: what Checkout charges in (one of the price's currencies, <see cref="Currencies.Offered"/>).
/// </summary>
public sealed record CheckoutSessionRequest(
    Guid TenantId, string CustomerId, PlanTier Tier, string SuccessUrl, string CancelUrl,
    BillingInterval Interval = BillingInterval.Month, string? Locale = null, int? TrialDays = null, string Currency = Currencies.Usd);

public sealed record CheckoutSessionCreated(string SessionId, string Url);

public sealed record InvoiceSummary(
    string Id, string? Number, string? Status, long AmountDue, long AmountPaid, string Currency,
    DateTimeOffset Created, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, string? HostedInvoiceUrl, string? InvoicePdf);

public sealed record InvoicePage(IReadOnlyList<InvoiceSummary> Invoices, bool HasMore);

/// <summary>
/// What differs between Stripe and demo mode (docs/architecture.md#demo-mode). The rules around these calls (who may
/// check out, which URLs are allowed, one customer per tenant) live in the services that call them.
/// </summary>
public interface IBillingProvider
{
    bool IsDemo { get; }

    Task<string> CreateCustomerAsync(Guid tenantId, CancellationToken ct);

    Task<CheckoutSessionCreated> CreateCheckoutSessionAsync(CheckoutSessionRequest request, CancellationToken ct);

    Task<string> CreatePortalSessionAsync(string customerId, string returnUrl, PortalFlow flow, CancellationToken ct);

    /// <summary>
    /// What a change to <paramref name="target"/> costs, from Stripe's invoice preview: with a
    /// <paramref name="prorationDate"/> the price changes then and the proration is invoiced at once; without one the
    /// change waits for the period's end and nothing is due now.
    /// </summary>
    Task<ChangeAmounts> PreviewChangeAsync(TenantSubscription subscription, PlanTier target, DateTimeOffset? prorationDate, CancellationToken ct);

    /// <summary>Changes the price now and invoices the proration; a payment that does not go through leaves the plan as it was.</summary>
    Task<PriceChange> ChangePriceNowAsync(TenantSubscription subscription, PlanTier target, DateTimeOffset prorationDate, string idempotencyKey, CancellationToken ct);

    /// <summary>Schedules the price change for the end of the paid period (a subscription schedule); answers when it takes effect.</summary>
    Task<DateTimeOffset> ScheduleChangeAsync(TenantSubscription subscription, PlanTier target, string idempotencyKey, CancellationToken ct);

    /// <summary>Drops the scheduled change: the schedule is released and the subscription goes on as it is.</summary>
    Task ReleaseScheduleAsync(TenantSubscription subscription, string idempotencyKey, CancellationToken ct);

    /// <summary>Sets the subscription to end at the end of its period, or takes that back; answers when it ends (null: it does not).</summary>
    Task<DateTimeOffset?> SetCancelAtPeriodEndAsync(TenantSubscription subscription, bool cancel, string idempotencyKey, CancellationToken ct);

    Task<InvoicePage> ListInvoicesAsync(Tenant tenant, int limit, string? startingAfter, CancellationToken ct);

    /// <summary>
    /// Makes sure a Checkout Session can no longer be paid: expires it if it is open. Answers its status
    /// afterwards: <c>expired</c> (also when Stripe does not know it), or <c>complete</c> with the subscription
    /// it created when it was paid before we could expire it.
    /// </summary>
    Task<CheckoutSessionState> ExpireCheckoutSessionAsync(string sessionId, CancellationToken ct);

    /// <summary>The subscription as Stripe shows it now (its raw JSON); null where there is no Stripe to ask (demo mode).</summary>
    Task<string?> GetSubscriptionJsonAsync(string subscriptionId, CancellationToken ct);

    /// <summary>
    /// Every subscription of the account, of every status, one page at a time (only one page is held), each
    /// with the moment its page was asked for: the snapshot is at least that new.
    /// </summary>
    IAsyncEnumerable<SubscriptionSnapshot> ListSubscriptionsAsync(CancellationToken ct);
}

/// <summary>Where the billing portal opens: its home page, or straight on the form to change the card.</summary>
public enum PortalFlow { Home, UpdatePaymentMethod }

/// <summary>
/// The tenant's subscription as the webhook pipeline last recorded it: what a plan change starts from.
/// <paramref name="Interval"/> is what the tenant pays by; <paramref name="Period"/> is the current usage period (a month
/// slice of a yearly subscription), so the interval cannot be told from it.
/// </summary>
public sealed record TenantSubscription(
    Guid TenantId, string SubscriptionId, string? CustomerId, PlanTier Tier, BillingInterval Interval, string Status, BillingPeriod Period,
    bool CancelAtPeriodEnd, DateTimeOffset? TrialEnd, string? ScheduleId, DateTimeOffset? StripeCreatedAt, string Currency = Currencies.Usd);

/// <summary>Amounts in minor units of <paramref name="Currency"/>, as Stripe's invoice preview gives them.</summary>
public sealed record ChangeAmounts(long AmountDueNow, long NextAmount, string Currency);

/// <summary>A price change carried out (<see cref="HostedInvoiceUrl"/> null), or waiting for a payment the customer must complete there.</summary>
public sealed record PriceChange(string? HostedInvoiceUrl);

/// <summary>Subscription <paramref name="Id"/> as Stripe showed it (raw JSON) when asked at <paramref name="ReadAt"/>.</summary>
public sealed record SubscriptionSnapshot(string Id, string Json, DateTimeOffset ReadAt);

public sealed record CheckoutSessionState(string Status, string? SubscriptionId);

public static class CheckoutSessionStatuses
{
    public const string Open = "open";
    public const string Complete = "complete";
    public const string Expired = "expired";
}
