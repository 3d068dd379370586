using Stripe;
using System.Net;

namespace Billing.Core.Stripe;

/// <summary>
/// How every Stripe call is made, for the app and for <c>stripe-setup</c> alike: a transient failure (5xx, 429,
/// 409 of a key still in flight, timeout, refused connection) is retried up to <see cref="MaxAttempts"/> times in
/// all with backoff under the same idempotency key, so a retry can never create a second object; then it is
/// <c>503 stripe_unavailable</c>. Any other refusal is <c>502 stripe_error</c>. What Stripe says goes to the
/// log, never to the client.
/// </summary>
public sealed class StripeCalls(TimeProvider clock, ILogger<StripeCalls> logger)
{
    public const int MaxAttempts = 3;
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    public async Task<T> CallAsync<T>(string operation, string? idempotencyKey, Func<RequestOptions, Task<T>> call, CancellationToken ct)
    {
        var request = new RequestOptions { IdempotencyKey = idempotencyKey };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(request);
            }
            catch (Exception e) when (IsTransient(e, ct) && attempt < MaxAttempts)
            {
                var backoff = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt - 1) + Random.Shared.Next(0, 100));
                logger.LogWarning(e, "Stripe {Operation} failed (try {Attempt} of {MaxAttempts}); retrying in {Backoff} ms",
                    operation, attempt, MaxAttempts, (int)backoff.TotalMilliseconds);
                await Task.Delay(backoff, clock, ct);
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                logger.LogError(e, "Stripe {Operation} failed {MaxAttempts} times; giving up", operation, MaxAttempts);
                throw BillingException.Unavailable("stripe_unavailable", "The payment provider is unavailable. Try again shortly.", RetryAfter, e);
            }
            catch (StripeException e) when (e.StripeError?.Type == "idempotency_error")
            {
                // Our caller's Idempotency-Key was used before with other parameters (the in-flight 409 is retried above).
                throw BillingException.Conflict("idempotency_key_reused",
                    "This Idempotency-Key was already used for a different request; use a new key.");
            }
            catch (StripeException e)
            {
                logger.LogError(e, "Stripe {Operation} was refused: {StatusCode} {StripeCode} {StripeMessage}",
                    operation, (int)e.HttpStatusCode, e.StripeError?.Code, e.StripeError?.Message);
                throw new BillingException(ErrorKind.UpstreamError, "stripe_error",
                    "The payment provider refused the request. It has been logged.", inner: e);
            }
        }
    }

    private static bool IsTransient(Exception e, CancellationToken ct) => e switch
    {
        // 409: a request under the same idempotency key is still in flight at Stripe (two checkouts racing to
        // create the tenant's one customer); waiting and asking again gets the first request's answer.
        StripeException s => (int)s.HttpStatusCode >= 500 || s.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || s.HttpStatusCode == 0
                             || s.InnerException is HttpRequestException or TaskCanceledException,
        HttpRequestException => true,
        OperationCanceledException => !ct.IsCancellationRequested, // HttpClient's timeout, not our caller leaving
        _ => false,
    };
}
