using Billing.Core.Plans;
using Billing.Core.Usage;

namespace Billing.Core.Tenants;

/// <summary>A LogiNexus tenant's billing row (DESIGN.md section 8, table <c>tenants</c>).</summary>
public sealed class Tenant
{
    public Guid Id { get; set; }
    public string? StripeCustomerId { get; set; }
    public string? StripeSubscriptionId { get; set; }
    public PlanTier PlanTier { get; set; } = PlanTier.Free;
    public string SubscriptionStatus { get; set; } = SubscriptionStatuses.Active;
    public bool CancelAtPeriodEnd { get; set; }
    public DateTimeOffset? BillingPeriodStart { get; set; }
    public DateTimeOffset? BillingPeriodEnd { get; set; }

    /// <summary>Creation time of the last subscription event applied; older ones are stale.</summary>
    public DateTimeOffset? SubscriptionEventAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public BillingPeriod CurrentPeriod(DateTimeOffset now) =>
        BillingPeriod.Current(BillingPeriodStart, BillingPeriodEnd, now);
}

/// <summary>Stripe's subscription statuses that we store as they come; <see cref="Live"/> ones block a second checkout.</summary>
public static class SubscriptionStatuses
{
    public const string Active = "active";
    public const string Trialing = "trialing";
    public const string PastDue = "past_due";
    public const string Unpaid = "unpaid";
    public const string Canceled = "canceled";
    public const string Incomplete = "incomplete";

    public static bool IsLive(string status) => status is Active or Trialing or PastDue or Unpaid;
}
