using Billing.Core.Subscriptions;
using System.Text.RegularExpressions;

namespace Billing.Core.Invoices;

/// <summary>A tenant's invoices, newest first, paged the way Stripe pages them.</summary>
public sealed partial class InvoiceHistory(TenantDirectory tenants, IBillingProvider provider)
{
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;

    public async Task<InvoicePage> ListAsync(Guid tenantId, string? limitText, string? startingAfter, CancellationToken ct)
    {
        var limit = DefaultLimit;
        if (limitText is not null && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, null, out limit) || limit is < 1 or > MaxLimit))
            throw BillingException.Validation("limit", $"must be a whole number from 1 to {MaxLimit}");
        if (startingAfter is not null && !InvoiceId().IsMatch(startingAfter))
            throw BillingException.Validation("starting_after", "must be an invoice id (in_…)");

        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        return await provider.ListInvoicesAsync(tenant, limit, startingAfter, ct);
    }

    [GeneratedRegex("^in_[A-Za-z0-9_]{1,200}$")]
    private static partial Regex InvoiceId();
}
