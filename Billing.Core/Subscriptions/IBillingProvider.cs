using Billing.Core.Plans;
using Billing.Core.Tenants;

namespace Billing.Core.Subscriptions;

public sealed record CheckoutSessionRequest(Guid TenantId, string CustomerId, PlanTier Tier, string SuccessUrl, string CancelUrl);

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
    /// afterwards: <c>expired</c>, or <c>complete</c> when it was paid before we could expire it.
    /// </summary>
    Task<string> ExpireCheckoutSessionAsync(string sessionId, CancellationToken ct);

    /// <summary>The subscription as Stripe shows it now (its raw JSON); null where there is no Stripe to ask (demo mode).</summary>
    Task<string?> GetSubscriptionJsonAsync(string subscriptionId, CancellationToken ct);
}

public static class CheckoutSessionStatuses
{
    public const string Open = "open";
    public const string Complete = "complete";
    public const string Expired = "expired";
}
