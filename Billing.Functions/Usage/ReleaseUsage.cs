using Billing.Core.Identity;
using Billing.Core.Usage;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Usage;

public sealed class ReleaseUsage(HttpEndpoint http, UsageService usage)
{
    [Function(nameof(ReleaseUsage))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "usage/{resource}/release")] HttpRequest request,
        string resource, CancellationToken ct)
        => http.HandleAsync(request, Access.AnyRole,
            (caller, ct) => usage.ReleaseAsync(caller.TenantId, resource, HttpEndpoint.SingleHeader(request, "Idempotency-Key"), ct),
            result => result, ct);
}
