using Billing.Core.Subscriptions;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Subscriptions;

/// <summary>Daily repair of drift from missed webhooks; on demand through the admin endpoint or <c>Billing.DevHost reconcile</c>.</summary>
public sealed class ReconcileSubscriptions(SubscriptionReconciler reconciler)
{
    [Function(nameof(ReconcileSubscriptions))]
    public Task Run([TimerTrigger("%STRIPE_RECONCILE_SCHEDULE%")] TimerInfo timer, CancellationToken ct)
        => reconciler.RunAsync(ct);
}
