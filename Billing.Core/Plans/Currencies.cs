using System.Globalization;

namespace Billing.Core.Plans;

/// <summary>
/// The currencies the plans are sold in, and the one rule for minor units. Stripe takes and gives every amount as an
/// integer in the currency's smallest unit as Stripe defines it: cents for USD (<c>9900</c> is $99.00), but whole won
/// for KRW and whole yen for JPY (<c>129000</c> is ₩129,000, not ₩1,290.00): those are zero-decimal currencies, never
/// multiplied or divided by 100. The frontend's <c>web/lib/i18n/formatting.ts</c> holds the same list.
/// </summary>
public static class Currencies
{
    public const string Usd = "usd";
    public const string Krw = "krw";

    /// <summary>The currencies a plan can be bought in; the first is each Stripe price's default currency, the others its <c>currency_options</c>.</summary>
    public static IReadOnlyList<string> Offered { get; } = [Usd, Krw];

    public const string Rule = "must be usd or krw";

    /// <summary>Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal).</summary>
    public static readonly IReadOnlySet<string> ZeroDecimal = new HashSet<string>(StringComparer.Ordinal)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    /// <summary>How many decimals an amount in <paramref name="currency"/> has: 0 for a zero-decimal currency, else 2.</summary>
    public static int MinorUnitDigits(string currency) => ZeroDecimal.Contains(currency.ToLowerInvariant()) ? 0 : 2;

    /// <summary>An amount written as people say it (₩129,000; $99) in Stripe's minor units.</summary>
    public static long ToMinorUnits(string currency, decimal amount)
    {
        var minor = amount * Pow10(MinorUnitDigits(currency));
        if (minor != decimal.Truncate(minor))
            throw new ArgumentException($"{amount} {currency.ToUpperInvariant()} has more decimals than the currency has.", nameof(amount));
        return (long)minor;
    }

    /// <summary>Stripe's minor units as people say the amount: 9900 usd is 99.00, 129000 krw is 129000.</summary>
    public static decimal FromMinorUnits(string currency, long minorUnits) => minorUnits / Pow10(MinorUnitDigits(currency));

    /// <summary>For logs and the operator's output: <c>99.00 USD</c>, <c>129000 KRW</c>.</summary>
    public static string Describe(string currency, long minorUnits) =>
        FromMinorUnits(currency, minorUnits).ToString("F" + MinorUnitDigits(currency), CultureInfo.InvariantCulture) + " " + currency.ToUpperInvariant();

    public static bool IsOffered(string? currency) => currency is not null && Offered.Contains(currency);

    private static decimal Pow10(int digits) => digits == 0 ? 1m : 100m;
}
