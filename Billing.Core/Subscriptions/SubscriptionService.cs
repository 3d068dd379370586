using Billing.Core.Plans;
using Billing.Core.Stripe;
using Billing.Core.Tenants;
using Microsoft.Extensions.Options;

namespace Billing.Core.Subscriptions;

public sealed record SubscriptionView(
    Guid TenantId, PlanTier PlanTier, string SubscriptionStatus, bool CancelAtPeriodEnd,
    DateTimeOffset BillingPeriodStart, DateTimeOffset BillingPeriodEnd, string? StripeCustomerId, bool DemoMode, BillingInterval? BillingInterval = null);

public sealed class SubscriptionService(TenantDirectory tenants, TimeProvider clock, IOptions<StripeOptions> stripe)
{
    public async Task<SubscriptionView> GetAsync(Guid tenantId, CancellationToken ct)
    {
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var period = tenant.CurrentPeriod(clock.GetUtcNow());
        return new SubscriptionView(tenant.Id, tenant.PlanTier, tenant.SubscriptionStatus, tenant.CancelAtPeriodEnd,
            period.Start, period.End, tenant.StripeCustomerId, stripe.Value.IsDemo, tenant.BillingInterval);
    }
}
