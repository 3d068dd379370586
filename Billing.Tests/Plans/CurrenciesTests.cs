using Billing.Core.Plans;

namespace Billing.Tests.Plans;

/// <summary>The one minor-unit rule: Stripe counts USD in cents, but KRW and JPY in whole won and yen.</summary>
public sealed class CurrenciesTests
{
    [Theory]
    [InlineData("krw", 129_000, 129_000L, "129000 KRW")]
    [InlineData("krw", 6_490_000, 6_490_000L, "6490000 KRW")]
    [InlineData("jpy", 1_000, 1_000L, "1000 JPY")]
    [InlineData("JPY", 500, 500L, "500 JPY")]
    [InlineData("usd", 99, 9_900L, "99.00 USD")]
    [InlineData("usd", 4_990, 499_000L, "4990.00 USD")]
    public void Zero_decimal_currencies_are_never_multiplied_or_divided_by_100(string currency, int amount, long minorUnits, string described)
    {
        Assert.Equal(minorUnits, Currencies.ToMinorUnits(currency, amount));
        Assert.Equal(amount, Currencies.FromMinorUnits(currency, minorUnits));
        Assert.Equal(described, Currencies.Describe(currency, minorUnits));
    }

    [Fact]
    public void An_amount_finer_than_the_currency_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Currencies.ToMinorUnits("krw", 129_000.5m));
        Assert.Equal(9_950, Currencies.ToMinorUnits("usd", 99.5m));
    }

    [Fact]
    public void Every_paid_price_is_offered_in_every_currency_and_the_won_prices_are_whole_won()
    {
        foreach (var plan in PlanCatalog.Paid)
        foreach (var interval in plan.Intervals)
            Assert.Equal(Currencies.Offered, plan.PricesFor(interval).Select(p => p.Currency));

        Assert.Equal(129_000, PlanCatalog.Pro.PriceFor(BillingInterval.Month, "krw")!.Amount);
        Assert.Equal(1_290_000, PlanCatalog.Pro.PriceFor(BillingInterval.Year, "krw")!.Amount);
        Assert.Equal(649_000, PlanCatalog.Enterprise.PriceFor(BillingInterval.Month, "krw")!.Amount);
        Assert.Equal(6_490_000, PlanCatalog.Enterprise.PriceFor(BillingInterval.Year, "krw")!.Amount);
        Assert.Equal(9_900, PlanCatalog.Pro.PriceFor(BillingInterval.Month, "usd")!.Amount);
    }
}
