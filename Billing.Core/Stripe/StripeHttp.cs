using Stripe;

namespace Billing.Core.Stripe;

/// <summary>
/// The one <see cref="IStripeClient"/> and the one <see cref="HttpClient"/> behind it, built from
/// <see cref="StripeOptions"/>: a timeout per request that keeps every retry inside <see cref="RetryBudget"/>,
/// and pooled connections that are replaced after <see cref="StripeOptions.PooledConnectionLifetime"/> so a
/// DNS change at Stripe is followed. Stripe.net's own retries are off: StripeBillingProvider retries, under one
/// idempotency key.
/// </summary>
public static class StripeHttp
{
    /// <summary>
    /// The longest a caller waits for a Stripe-backed answer (or the 503), every attempt and backoff included:
    /// inside the 30 s a browser or the frontend's fetch waits, and far inside the Functions HTTP limit (230 s).
    /// </summary>
    public static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(30);

    /// <summary>Backoff between attempts, at most: 200 ms, 400 ms, … plus up to 100 ms of jitter each (StripeBillingProvider).</summary>
    public static TimeSpan MaxBackoff(int attempts) =>
        TimeSpan.FromMilliseconds(Enumerable.Range(0, attempts - 1).Sum(i => 200 * Math.Pow(2, i) + 100));

    /// <summary>The worst case of one call: every attempt times out, and every backoff is the longest.</summary>
    public static TimeSpan WorstCase(StripeOptions options) =>
        options.NetworkTimeout * StripeBillingProvider.MaxAttempts + MaxBackoff(StripeBillingProvider.MaxAttempts);

    public static IStripeClient CreateClient(StripeOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = options.PooledConnectionLifetime,
            ConnectTimeout = options.NetworkTimeout,
        };
        var http = new HttpClient(handler) { Timeout = options.NetworkTimeout };
        return new StripeClient(options.SecretKey, httpClient: new SystemNetHttpClient(http, maxNetworkRetries: 0),
            apiBase: string.IsNullOrEmpty(options.ApiBase) ? null : options.ApiBase.TrimEnd('/'));
    }
}
