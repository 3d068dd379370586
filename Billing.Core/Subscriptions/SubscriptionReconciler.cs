using Billing.Core.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Core.Subscriptions;

/// <summary>What one reconciliation run found.</summary>
public sealed record ReconcileReport(int Listed, int Repaired, int CheckedOneByOne, int MissingInStripe, int Failed = 0);

/// <summary>
/// Repairs what missed webhooks left wrong (docs/operations.md#reconciliation-with-stripe). Lists every subscription in Stripe, page by
/// page, and applies each as a snapshot through the applier's own entry for snapshots (<see cref="StripeEventApplier.ApplySnapshotAsync"/>): the same rules and the same order, so a
/// snapshot never undoes an event newer than itself and a run racing a webhook converges. Then looks one by one
/// at the tenants we show as paid whose subscription the listing did not contain. Idempotent: a second run finds
/// nothing to change, and two runs at once serialise on each tenant's row lock.
/// </summary>
public sealed class SubscriptionReconciler(IBillingProvider provider, IServiceScopeFactory scopes, NpgsqlDataSource db, TimeProvider clock, ILogger<SubscriptionReconciler> logger)
{
    private const int Parallelism = 4;

    public async Task<ReconcileReport> RunAsync(CancellationToken ct)
    {
        var listed = 0;
        var repaired = 0;
        var failed = 0;
        // Only ids are kept across pages (tens of bytes each), never the pages themselves.
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        // A few at a time: the result does not depend on the order snapshots are applied in (that is the point of
        // the event order), and each takes its tenant's row lock, so the only cost is a few pooled connections.
        await Parallel.ForEachAsync(provider.ListSubscriptionsAsync(ct), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct },
            async (snapshot, token) =>
            {
                Interlocked.Increment(ref listed);
                seen.TryAdd(snapshot.Id, 0);
                switch (await TryApplyAsync(snapshot, token))
                {
                    case true: Interlocked.Increment(ref repaired); break;
                    case null: Interlocked.Increment(ref failed); break;
                }
            });

        var oneByOne = 0;
        var missing = 0;
        // Demo subscriptions exist only in our own tables: there is nothing to compare them with.
        var paid = provider.IsDemo ? [] : await PaidTenantsAsync(ct);
        foreach (var (tenantId, subscriptionId) in paid)
        {
            if (seen.ContainsKey(subscriptionId)) continue;
            oneByOne++;
            var readAt = clock.GetUtcNow();
            string? json;
            try
            {
                json = await provider.GetSubscriptionJsonAsync(subscriptionId, ct);
            }
            catch (BillingException e) when (e.Code == "stripe_error")
            {
                json = null;
            }
            if (json is null)
            {
                // Not proof that it ended (a wrong key or account shows nothing too): an operator decides.
                missing++;
                logger.LogError("Tenant {TenantId} is on paid subscription {SubscriptionId}, which Stripe does not show; left unchanged",
                    tenantId, subscriptionId);
                continue;
            }
            switch (await TryApplyAsync(new SubscriptionSnapshot(subscriptionId, json, readAt), ct))
            {
                case true: repaired++; break;
                case null: failed++; break;
            }
        }

        var report = new ReconcileReport(listed, repaired, oneByOne, missing, failed);
        if (repaired > 0 || missing > 0 || failed > 0)
            logger.LogWarning("Reconciled {Listed} subscriptions with Stripe: {Repaired} repaired, {Missing} missing in Stripe, {Failed} failed",
                listed, repaired, missing, failed);
        else
            logger.LogInformation("Reconciled {Listed} subscriptions with Stripe: all in sync", listed);
        return report;
    }

    /// <summary>True when it repaired drift, false when in sync, null when it failed: one bad subscription never stops the run.</summary>
    private async Task<bool?> TryApplyAsync(SubscriptionSnapshot snapshot, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<StripeEventApplier>().ApplySnapshotAsync(snapshot, ct) is not null;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogError(e, "Reconcile could not apply subscription {SubscriptionId}; the run goes on", snapshot.Id);
            return null;
        }
    }

    private async Task<List<(Guid TenantId, string SubscriptionId)>> PaidTenantsAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT id, stripe_subscription_id FROM tenants WHERE plan_tier <> 'free' AND stripe_subscription_id IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var paid = new List<(Guid, string)>();
        while (await reader.ReadAsync(ct)) paid.Add((reader.GetGuid(0), reader.GetString(1)));
        return paid;
    }
}
