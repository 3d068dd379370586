using Billing.Core.Usage;

namespace Billing.Tests.Usage;

public sealed class BillingPeriodTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Period_in_force_is_kept()
    {
        var period = BillingPeriod.Current(Utc(2026, 3, 5), Utc(2026, 4, 5), Utc(2026, 3, 20));
        Assert.Equal(new BillingPeriod(Utc(2026, 3, 5), Utc(2026, 4, 5)), period);
    }

    [Fact]
    public void Ended_period_rolls_by_whole_months_from_its_start()
    {
        var period = BillingPeriod.Current(Utc(2026, 1, 5, 9), Utc(2026, 2, 5, 9), Utc(2026, 7, 5, 9));
        Assert.Equal(new BillingPeriod(Utc(2026, 7, 5, 9), Utc(2026, 8, 5, 9)), period);
    }

    [Fact]
    public void Month_end_start_is_not_walked_down_by_short_months()
    {
        var period = BillingPeriod.Current(Utc(2026, 1, 31), Utc(2026, 2, 28), Utc(2026, 3, 30));
        Assert.Equal(new BillingPeriod(Utc(2026, 2, 28), Utc(2026, 3, 31)), period);

        var april = BillingPeriod.Current(Utc(2026, 1, 31), Utc(2026, 2, 28), Utc(2026, 4, 2));
        Assert.Equal(new BillingPeriod(Utc(2026, 3, 31), Utc(2026, 4, 30)), april);
    }

    [Fact]
    public void Missing_period_is_the_calendar_month()
    {
        Assert.Equal(new BillingPeriod(Utc(2026, 12, 1), Utc(2027, 1, 1)), BillingPeriod.Current(null, null, Utc(2026, 12, 31, 23)));
    }

    [Fact]
    public void Period_boundary_belongs_to_the_next_period()
    {
        var period = BillingPeriod.Current(Utc(2026, 3, 1), Utc(2026, 4, 1), Utc(2026, 4, 1));
        Assert.Equal(new BillingPeriod(Utc(2026, 4, 1), Utc(2026, 5, 1)), period);
    }
}
