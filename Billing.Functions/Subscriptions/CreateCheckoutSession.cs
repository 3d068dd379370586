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
            (caller, body, ct) => checkout.CreateCheckoutAsync(caller.TenantId, new CheckoutChoice(body.PlanTier, body.SuccessUrl, body.CancelUrl, body.Interval, body.Locale, body.Currency), ct),
            session => new CheckoutResponse(session.Url, session.SessionId), ct);
}

public sealed class CheckoutRequest : IRequestBody
{
    public static IReadOnlyDictionary<string, string> Rules { get; } = new Dictionary<string, string>
    {
        ["plan_tier"] = "must be a string: " + CheckoutService.PlanTierRule,
        ["success_url"] = "must be a string: " + CheckoutService.RedirectUrlRule,
        ["cancel_url"] = "must be a string: " + CheckoutService.RedirectUrlRule,
        ["interval"] = "must be a string: " + CheckoutService.IntervalRule,
        ["locale"] = "must be a string: " + CheckoutService.LocaleRule,
        ["currency"] = "must be a string: " + CheckoutService.CurrencyRule,
    };

    public string? PlanTier { get; init; }
    public string? SuccessUrl { get; init; }
    public string? CancelUrl { get; init; }
    public string? Interval { get; init; }
    public string? Locale { get; init; }
    public string? Currency { get; init; }
}

public sealed record CheckoutResponse(string CheckoutUrl, string SessionId);
