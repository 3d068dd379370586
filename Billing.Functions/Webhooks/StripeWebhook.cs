using Billing.Core.Webhooks;
using Billing.Functions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Webhooks;

/// <summary>
/// Verifies and enqueues. The queue write is awaited here rather than left to a <c>[QueueOutput]</c>
/// binding, so Stripe gets 200 only once the event is on the queue, and 503 (and retries) when it is not.
/// </summary>
public sealed class StripeWebhook(HttpEndpoint http, WebhookReceiver webhooks)
{
    [Function(nameof(StripeWebhook))]
    public Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks")] HttpRequest request, CancellationToken ct)
        => http.AnonymousAsync(async ct => await webhooks.ReceiveAsync(
                await HttpEndpoint.ReadBodyAsync(request, ct), HttpEndpoint.SingleHeader(request, "Stripe-Signature"), ct),
            _ => new { Received = true }, ct, request);
}
