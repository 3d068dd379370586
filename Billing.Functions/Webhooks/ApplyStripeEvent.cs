using Billing.Core.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Webhooks;

/// <summary>Exceptions escape on purpose: the host retries the message and dead-letters it after maxDequeueCount.</summary>
public sealed class ApplyStripeEvent(StripeEventInbox inbox)
{
    [Function(nameof(ApplyStripeEvent))]
    public Task Run([QueueTrigger(Queues.StripeEvents)] string message, CancellationToken ct)
        => inbox.ApplyAsync(message, ct);
}
