using Billing.Core.Stripe;

namespace Billing.Core.Plans;

/// <summary>A plan with the prices that can be bought now: the catalogue's, for each interval whose Stripe price is configured.</summary>
public sealed record PlanOffer(Plan Plan, IReadOnlyList<PlanPrice> Prices);

/// <summary>What <c>GET /plans</c> shows: every plan, each paid one with the prices on sale (yearly only with its price id set).</summary>
public sealed class PlanOffers(IOptions<StripeOptions> stripe)
{
    public IReadOnlyList<PlanOffer> List() => PlanCatalog.All
        .Select(plan => new PlanOffer(plan, plan.Tier == PlanTier.Free ? [] :
            plan.Prices.Where(price => stripe.Value.PriceFor(plan.Tier, price.Interval) is not null).ToList()))
        .ToList();
}
