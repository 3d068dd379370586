namespace Billing.Core.Usage;

/// <summary>A half-open usage period [Start, End).</summary>
public readonly record struct BillingPeriod(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The longest monthly Stripe period: one of up to this length is a usage period as it is.</summary>
    public static readonly TimeSpan LongestMonth = TimeSpan.FromDays(31);

    /// <summary>The calendar month (UTC) that contains <paramref name="now"/>: a free tenant's period.</summary>
    public static BillingPeriod CalendarMonth(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var start = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BillingPeriod(start, start.AddMonths(1));
    }

    /// <summary>
    /// The usage period at <paramref name="now"/> of a subscription Stripe bills for [<paramref name="start"/>,
    /// <paramref name="end"/>). A period of a month or less (monthly billing) is the usage period itself. A longer
    /// one (yearly billing) keeps monthly limits: it is cut into month slices anchored at its start, each
    /// <c>start + k months</c> (so a 31st anchor gives Feb 28, Mar 31, Apr 30, …, and a 29 February anchor the 29th,
    /// or the 28th in a February without one), and the last slice ends where the Stripe period ends. Before the
    /// start it is the first slice; after the end (a renewal still on its way) the last one, which
    /// <see cref="Current"/> and the rollover then carry on by whole months.
    /// </summary>
    public static BillingPeriod MonthSlice(DateTimeOffset start, DateTimeOffset end, DateTimeOffset now)
    {
        if (end <= start || end - start <= LongestMonth)
            return new BillingPeriod(start, end);
        var k = WholeMonths(start, now);
        while (k > 0 && start.AddMonths(k) >= end) k--;
        var sliceEnd = start.AddMonths(k + 1);
        return new BillingPeriod(start.AddMonths(k), sliceEnd < end ? sliceEnd : end);
    }

    /// <summary>
    /// The period in force at <paramref name="now"/>. A stored period that has ended (a late renewal webhook, a
    /// missed timer) rolls forward by whole months, so the answer never waits for the timer. The months are
    /// counted from the stored period's end when its day of the month is the later one, else from its start:
    /// a month slice anchored at the 31st is stored as [Feb 28, Mar 31), and the next is [Mar 31, Apr 30), not
    /// [Mar 28, Apr 28). Each step is <c>anchor + k months</c>, never from a clamped intermediate (Jan 31 →
    /// Feb 28 → Mar 31, not Mar 28), which is what PostgreSQL's <c>timestamptz + interval</c> does too:
    /// <c>UsageRollover</c> persists the same arithmetic in SQL.
    /// </summary>
    public static BillingPeriod Current(DateTimeOffset? storedStart, DateTimeOffset? storedEnd, DateTimeOffset now)
    {
        if (storedStart is not { } start || storedEnd is not { } end || end <= start)
            return CalendarMonth(now);
        if (end > now)
            return new BillingPeriod(start, end);

        var anchor = end.UtcDateTime.Day > start.UtcDateTime.Day ? end : start;
        var months = WholeMonths(anchor, now);
        return new BillingPeriod(anchor.AddMonths(months), anchor.AddMonths(months + 1));
    }

    /// <summary>The whole months from <paramref name="from"/> to <paramref name="to"/>: the largest k ≥ 0 with from + k months ≤ to.</summary>
    private static int WholeMonths(DateTimeOffset from, DateTimeOffset to)
    {
        var months = Math.Max(0, (to.UtcDateTime.Year - from.UtcDateTime.Year) * 12 + to.UtcDateTime.Month - from.UtcDateTime.Month);
        // The month count from the calendar fields can be one short or one long at month ends.
        while (months > 0 && from.AddMonths(months) > to) months--;
        while (from.AddMonths(months + 1) <= to) months++;
        return months;
    }
}
