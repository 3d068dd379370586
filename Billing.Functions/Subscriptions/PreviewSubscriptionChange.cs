using Billing.Core.Identity;
using Billing.Core.Plans;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Subscriptions;

public sealed class PreviewSubscriptionChange(HttpEndpoint http, SubscriptionLifecycle lifecycle)
{
    [Function(nameof(PreviewSubscriptionChange))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "subscription/change-preview")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync(request, Access.AdminOnly,
            (caller, ct) => lifecycle.PreviewAsync(caller.TenantId, HttpEndpoint.SingleQuery(request, "plan_tier"), ct),
            ChangePreviewResponse.From, ct);
}

public sealed record ChangePreviewResponse(
    string PlanTier, string Effective, DateTimeOffset EffectiveAt, long AmountDueNow, long NextAmount, string Currency, DateTimeOffset? ProrationDate)
{
    public static ChangePreviewResponse From(ChangePreview p) => new(
        WireNames.Of(p.PlanTier), p.Immediate ? "now" : "period_end", p.EffectiveAt, p.AmountDueNow, p.NextAmount, p.Currency, p.ProrationDate);
}
