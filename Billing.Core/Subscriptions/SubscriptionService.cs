using Billing.Core.Stripe;

namespace Billing.Core.Subscriptions;

public sealed record SubscriptionView(
    Guid TenantId, PlanTier PlanTier, string SubscriptionStatus, bool CancelAtPeriodEnd,
    DateTimeOffset BillingPeriodStart, DateTimeOffset BillingPeriodEnd, string? StripeCustomerId, bool DemoMode,
    PlanTier LimitsTier, DateTimeOffset? TrialEnd, DateTimeOffset? CancelAt, PlanTier? PendingPlanTier, DateTimeOffset? PendingChangeAt,
    DateTimeOffset? PaymentFailedAt, DateTimeOffset? GraceUntil, BillingInterval? BillingInterval = null, string? Currency = null);

public sealed class SubscriptionService(TenantDirectory tenants, TimeProvider clock, IOptions<StripeOptions> stripe)
{
    public async Task<SubscriptionView> GetAsync(Guid tenantId, CancellationToken ct)
    {
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        var now = clock.GetUtcNow();
        var period = tenant.CurrentPeriod(now);
        return new SubscriptionView(tenant.Id, tenant.PlanTier, tenant.SubscriptionStatus, tenant.CancelAtPeriodEnd,
            period.Start, period.End, tenant.StripeCustomerId, stripe.Value.IsDemo,
            tenant.LimitsTierAt(now), tenant.TrialEnd, tenant.CancelAt, tenant.PendingPlanTier, tenant.PendingChangeAt,
            tenant.PaymentFailedAt, tenant.GraceUntil, tenant.BillingInterval, tenant.Currency);
    }
}
