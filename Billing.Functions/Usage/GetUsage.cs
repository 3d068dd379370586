using Billing.Core.Identity;
using Billing.Core.Plans;
using Billing.Core.Usage;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Usage;

public sealed class GetUsage(HttpEndpoint http, UsageService usage)
{
    [Function(nameof(GetUsage))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "usage")] HttpRequest request, CancellationToken ct)
        => http.HandleAsync(request, Access.AdminOnly, (caller, ct) => usage.GetAsync(caller.TenantId, ct), UsageResponse.From, ct);
}

public sealed record UsageResponse(string PlanTier, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, UsageResponse.UsageBody Usage)
{
    public sealed record UsageBody(ResourceUsage Shipments, ResourceUsage Escrows, ResourceUsage ApiCalls);

    public static UsageResponse From(UsageReport r) =>
        new(WireNames.Of(r.PlanTier), r.PeriodStart, r.PeriodEnd, new UsageBody(r.Shipments, r.Escrows, r.ApiCalls));
}
