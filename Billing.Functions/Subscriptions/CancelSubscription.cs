using Billing.Core.Identity;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Subscriptions;

public sealed class CancelSubscription(HttpEndpoint http, SubscriptionLifecycle lifecycle)
{
    [Function(nameof(CancelSubscription))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "subscription/cancel")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync(request, Access.AdminOnly,
            (caller, ct) => lifecycle.CancelAsync(caller.TenantId, HttpEndpoint.SingleHeader(request, "Idempotency-Key"), ct),
            LifecycleResponse.From, ct);
}

public sealed class ResumeSubscription(HttpEndpoint http, SubscriptionLifecycle lifecycle)
{
    [Function(nameof(ResumeSubscription))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "subscription/resume")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync(request, Access.AdminOnly,
            (caller, ct) => lifecycle.ResumeAsync(caller.TenantId, HttpEndpoint.SingleHeader(request, "Idempotency-Key"), ct),
            LifecycleResponse.From, ct);
}
