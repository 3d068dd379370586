using Billing.Core.Identity;
using Billing.Core.Subscriptions;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Subscriptions;

public sealed class CreatePortalSession(HttpEndpoint http, CheckoutService checkout)
{
    [Function(nameof(CreatePortalSession))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "portal")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync<PortalRequest, string>(request, Access.AdminOnly,
            (caller, body, ct) => checkout.CreatePortalAsync(caller.TenantId, body.ReturnUrl, body.Flow, ct),
            url => new PortalResponse(url), ct);
}

public sealed class PortalRequest : IRequestBody
{
    public static IReadOnlyDictionary<string, string> Rules { get; } = new Dictionary<string, string>
    {
        ["return_url"] = "must be a string: " + CheckoutService.RedirectUrlRule,
        ["flow"] = "must be a string: " + CheckoutService.PortalFlowRule,
    };

    public string? ReturnUrl { get; init; }
    public string? Flow { get; init; }
}

public sealed record PortalResponse(string PortalUrl);
