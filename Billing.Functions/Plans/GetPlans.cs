using Billing.Core.Plans;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Plans;

public sealed class GetPlans(HttpEndpoint http, PlanOffers offers)
{
    [Function(nameof(GetPlans))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "plans")] HttpRequest request, CancellationToken ct)
        => http.AnonymousAsync(_ => Task.FromResult(offers.List()), PlansResponse.From, ct);
}

/// <summary>Every plan with its prices in every currency (minor units as Stripe counts them), and the currencies there are.</summary>
public sealed record PlansResponse(IReadOnlyList<PlansResponse.PlanBody> Plans, IReadOnlyList<string> Currencies)
{
    public sealed record PlanBody(
        string Tier, string Name, long PriceMonthly, string Currency, LimitsBody Limits, IReadOnlyList<string> Features, IReadOnlyList<PriceBody> Prices);

    public sealed record LimitsBody(long Shipments, long Escrows, long ApiCalls);

    public sealed record PriceBody(string Interval, long Amount, string Currency);

    public static PlansResponse From(IReadOnlyList<PlanOffer> offers) => new(offers.Select(o => new PlanBody(
        WireNames.Of(o.Plan.Tier), o.Plan.Name, o.Plan.PriceMonthly, o.Plan.Currency,
        new LimitsBody(o.Plan.Limits.Shipments, o.Plan.Limits.Escrows, o.Plan.Limits.ApiCalls), o.Plan.Features,
        o.Prices.Select(p => new PriceBody(WireNames.Of(p.Interval), p.Amount, p.Currency)).ToList())).ToList(),
        Core.Plans.Currencies.Offered);
}
