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
}
