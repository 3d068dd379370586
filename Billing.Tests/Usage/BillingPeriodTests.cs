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

    [Fact]
    public void Monthly_stripe_period_is_the_usage_period_itself()
    {
        // Anchored at the 31st, Stripe bills Feb 28 → Mar 31: 31 days, one usage period (not Feb 28 → Mar 28 and a 3-day rest).
        Assert.Equal(new BillingPeriod(Utc(2026, 2, 28), Utc(2026, 3, 31)), BillingPeriod.MonthSlice(Utc(2026, 2, 28), Utc(2026, 3, 31), Utc(2026, 3, 30)));
    }

    [Theory]
    [InlineData(2026, 2, 10, 2026, 1, 31, 2026, 2, 28)]
    [InlineData(2026, 3, 1, 2026, 2, 28, 2026, 3, 31)]
    [InlineData(2026, 4, 30, 2026, 4, 30, 2026, 5, 31)]
    [InlineData(2026, 12, 31, 2026, 12, 31, 2027, 1, 31)]
    public void Yearly_period_anchored_at_the_31st_is_sliced_into_months_that_keep_the_31st(
        int y, int m, int d, int sy, int sm, int sd, int ey, int em, int ed)
    {
        var slice = BillingPeriod.MonthSlice(Utc(2026, 1, 31), Utc(2027, 1, 31), Utc(y, m, d, 12));
        Assert.Equal(new BillingPeriod(Utc(sy, sm, sd), Utc(ey, em, ed)), slice);
    }

    [Theory]
    [InlineData(2028, 3, 1, 2028, 2, 29, 2028, 3, 29)]
    [InlineData(2028, 12, 30, 2028, 12, 29, 2029, 1, 29)]
    [InlineData(2029, 2, 27, 2029, 1, 29, 2029, 2, 28)] // the last slice ends where Stripe's year does, on the 28th
    public void Yearly_period_anchored_on_29_February_takes_the_29th_and_ends_with_the_year(
        int y, int m, int d, int sy, int sm, int sd, int ey, int em, int ed)
    {
        var slice = BillingPeriod.MonthSlice(Utc(2028, 2, 29), Utc(2029, 2, 28), Utc(y, m, d, 12));
        Assert.Equal(new BillingPeriod(Utc(sy, sm, sd), Utc(ey, em, ed)), slice);
    }

    [Fact]
    public void Last_slice_of_one_year_is_followed_by_the_first_of_the_next()
    {
        var lastOfYear = BillingPeriod.MonthSlice(Utc(2026, 1, 31), Utc(2027, 1, 31), Utc(2027, 1, 30, 23));
        Assert.Equal(new BillingPeriod(Utc(2026, 12, 31), Utc(2027, 1, 31)), lastOfYear);

        // Before the renewal arrives, the stored last slice rolls on to where the next year's first slice is ...
        Assert.Equal(new BillingPeriod(Utc(2027, 1, 31), Utc(2027, 2, 28)), BillingPeriod.Current(lastOfYear.Start, lastOfYear.End, Utc(2027, 1, 31, 1)));
        // ... which is what the renewal's period gives.
        Assert.Equal(new BillingPeriod(Utc(2027, 1, 31), Utc(2027, 2, 28)), BillingPeriod.MonthSlice(Utc(2027, 1, 31), Utc(2028, 1, 31), Utc(2027, 1, 31, 1)));
    }

    [Fact]
    public void Last_slice_stops_at_a_stripe_period_end_that_is_not_a_month_boundary()
    {
        Assert.Equal(new BillingPeriod(Utc(2026, 12, 15), Utc(2027, 1, 2)), BillingPeriod.MonthSlice(Utc(2026, 1, 15), Utc(2027, 1, 2), Utc(2026, 12, 20)));
    }

    [Fact]
    public void Ended_slice_stored_with_a_clamped_start_rolls_from_its_end()
    {
        // The 31st-anchored slice [Feb 28, Mar 31) ends: the next is [Mar 31, Apr 30), not [Mar 28, Apr 28).
        Assert.Equal(new BillingPeriod(Utc(2026, 3, 31), Utc(2026, 4, 30)), BillingPeriod.Current(Utc(2026, 2, 28), Utc(2026, 3, 31), Utc(2026, 3, 31, 1)));
    }
}
