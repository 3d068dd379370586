using Billing.Core.Identity;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Subscriptions;

public sealed class CreateCheckoutSession(HttpEndpoint http, CheckoutService checkout)
{
    [Function(nameof(CreateCheckoutSession))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "checkout")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync<CheckoutRequest, CheckoutSessionCreated>(request, Access.AdminOnly,
            (caller, body, ct) => checkout.CreateCheckoutAsync(caller.TenantId, body.PlanTier, body.SuccessUrl, body.CancelUrl, ct),
            session => new CheckoutResponse(session.Url, session.SessionId), ct);
}

public sealed class CheckoutRequest
{
    public string? PlanTier { get; init; }
    public string? SuccessUrl { get; init; }
    public string? CancelUrl { get; init; }
}

public sealed record CheckoutResponse(string CheckoutUrl, string SessionId);
