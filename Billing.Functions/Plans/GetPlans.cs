using Billing.Core.Plans;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Plans;

public sealed class GetPlans(HttpEndpoint http)
{
    [Function(nameof(GetPlans))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "plans")] HttpRequest request, CancellationToken ct)
        => http.AnonymousAsync(_ => Task.FromResult(PlanCatalog.All), PlansResponse.From, ct);
}

public sealed record PlansResponse(IReadOnlyList<PlansResponse.PlanBody> Plans)
{
    public sealed record PlanBody(string Tier, string Name, long PriceMonthly, string Currency, LimitsBody Limits, IReadOnlyList<string> Features);

    public sealed record LimitsBody(long Shipments, long Escrows, long ApiCalls);

    public static PlansResponse From(IReadOnlyList<Plan> plans) => new(plans.Select(p => new PlanBody(
        WireNames.Of(p.Tier), p.Name, p.PriceMonthly, p.Currency,
        new LimitsBody(p.Limits.Shipments, p.Limits.Escrows, p.Limits.ApiCalls), p.Features)).ToList());
}
