using Billing.Core.Identity;
using Billing.Core.Plans;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Subscriptions;

public sealed class GetSubscription(HttpEndpoint http, SubscriptionService subscriptions)
{
    [Function(nameof(GetSubscription))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "subscription")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync(request, Access.AdminOnly, (caller, ct) => subscriptions.GetAsync(caller.TenantId, ct), SubscriptionResponse.From, ct);
}

public sealed record SubscriptionResponse(
    Guid TenantId, string PlanTier, string SubscriptionStatus, bool CancelAtPeriodEnd,
    DateTimeOffset BillingPeriodStart, DateTimeOffset BillingPeriodEnd, string? StripeCustomerId, bool DemoMode,
    string LimitsTier, DateTimeOffset? TrialEnd, DateTimeOffset? CancelAt, string? PendingPlanTier, DateTimeOffset? PendingChangeAt,
    DateTimeOffset? PaymentFailedAt, DateTimeOffset? GraceUntil, string? BillingInterval, string? Currency)
{
    public static SubscriptionResponse From(SubscriptionView s) => new(
        s.TenantId, WireNames.Of(s.PlanTier), s.SubscriptionStatus, s.CancelAtPeriodEnd,
        s.BillingPeriodStart, s.BillingPeriodEnd, s.StripeCustomerId, s.DemoMode,
        WireNames.Of(s.LimitsTier), s.TrialEnd, s.CancelAt, s.PendingPlanTier is { } pending ? WireNames.Of(pending) : null, s.PendingChangeAt,
        s.PaymentFailedAt, s.GraceUntil, s.BillingInterval is { } interval ? WireNames.Of(interval) : null, s.Currency);
}
