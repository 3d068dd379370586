namespace Billing.Core.Usage;

/// <summary>A half-open usage period [Start, End).</summary>
public readonly record struct BillingPeriod(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The calendar month (UTC) that contains <paramref name="now"/>: a free tenant's period.</summary>
    public static BillingPeriod CalendarMonth(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        var start = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BillingPeriod(start, start.AddMonths(1));
    }

    /// <summary>
    /// The period in force at <paramref name="now"/>. A stored period that has ended (a late renewal
    /// webhook, a missed timer) rolls forward by whole months counted from its start, so the answer
    /// never waits for the timer. <c>UsageRollover</c> persists the same arithmetic in SQL: each step is
    /// <c>start + k months</c> from the original start, never from a clamped intermediate (Jan 31 →
    /// Feb 28 → Mar 31, not Mar 28), which is what PostgreSQL's <c>timestamptz + interval</c> does too.
    /// </summary>
    public static BillingPeriod Current(DateTimeOffset? storedStart, DateTimeOffset? storedEnd, DateTimeOffset now)
    {
        if (storedStart is not { } start || storedEnd is not { } end || end <= start)
            return CalendarMonth(now);
        if (end > now)
            return new BillingPeriod(start, end);

        var months = MonthsBetween(start, now);
        // The month count from the calendar fields can be one short or one long at month ends.
        while (start.AddMonths(months) > now) months--;
        while (start.AddMonths(months + 1) <= now) months++;
        return new BillingPeriod(start.AddMonths(months), start.AddMonths(months + 1));
    }

    private static int MonthsBetween(DateTimeOffset from, DateTimeOffset to) =>
        Math.Max(0, (to.UtcDateTime.Year - from.UtcDateTime.Year) * 12 + to.UtcDateTime.Month - from.UtcDateTime.Month);
}
