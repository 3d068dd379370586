using Billing.Core.Plans;
using Billing.Core.Tenants;

namespace Billing.Core.Subscriptions;

/// <summary><paramref name="Locale"/> is the language Checkout opens in (<c>en</c>, <c>ko</c>); null lets Stripe choose.</summary>
public sealed record CheckoutSessionRequest(
    Guid TenantId, string CustomerId, PlanTier Tier, string SuccessUrl, string CancelUrl,
    BillingInterval Interval = BillingInterval.Month, string? Locale = null);

public sealed record CheckoutSessionCreated(string SessionId, string Url);

public sealed record InvoiceSummary(
    string Id, string? Number, string? Status, long AmountDue, long AmountPaid, string Currency,
    DateTimeOffset Created, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, string? HostedInvoiceUrl, string? InvoicePdf);

public sealed record InvoicePage(IReadOnlyList<InvoiceSummary> Invoices, bool HasMore);

/// <summary>
/// What differs between Stripe and demo mode (DESIGN.md section 11). The rules around these calls (who may
/// check out, which URLs are allowed, one customer per tenant) live in the services that call them.
/// </summary>
public interface IBillingProvider
{
    bool IsDemo { get; }

    Task<string> CreateCustomerAsync(Guid tenantId, CancellationToken ct);

    Task<CheckoutSessionCreated> CreateCheckoutSessionAsync(CheckoutSessionRequest request, CancellationToken ct);

    Task<string> CreatePortalSessionAsync(string customerId, string returnUrl, CancellationToken ct);

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

/// <summary>Subscription <paramref name="Id"/> as Stripe showed it (raw JSON) when asked at <paramref name="ReadAt"/>.</summary>
public sealed record SubscriptionSnapshot(string Id, string Json, DateTimeOffset ReadAt);

public sealed record CheckoutSessionState(string Status, string? SubscriptionId);

public static class CheckoutSessionStatuses
{
    public const string Open = "open";
    public const string Complete = "complete";
    public const string Expired = "expired";
}
