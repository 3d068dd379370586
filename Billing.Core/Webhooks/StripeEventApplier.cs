using Billing.Core.Data;
using Billing.Core.Plans;
using Billing.Core.Stripe;
using Billing.Core.Subscriptions;
using Billing.Core.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Webhooks;

/// <summary>
/// Applies one queued Stripe event exactly once (README, "Webhook pipeline"). In one transaction it records
/// the event (a duplicate id ends the work: nothing changes), records what the event says about its
/// subscription if it is newer in the <see cref="EventPosition"/> order than what we have, and works the
/// tenant's row out again from all its subscriptions (<see cref="Tenant.Project"/>), under the tenant's row
/// lock. So the tenant ends the same whatever order and however often Stripe delivers a set of events. Any
/// failure rolls everything back and escapes, so the queue retries and finally dead-letters it.
/// </summary>
public sealed class StripeEventApplier(
    BillingDbContext db, IBillingProvider gateway, IOptions<StripeOptions> stripe, TimeProvider clock, ILogger<StripeEventApplier> logger)
{
    public async Task<string?> ApplyAsync(string message, CancellationToken ct)
    {
        var json = StripeEventQueue.Decode(message);
        var evt = StripeEventJson.Parse(json);
        using var scope = logger.BeginScope("StripeEventId:{StripeEventId} EventType:{EventType}", evt.Id, evt.Type);

        var result = await ApplyOnceAsync(evt, json, tie: null, snapshot: false, ct);
        if (result is Outcome.NeedsStripe needs)
        {
            // Two updates of one second: the events cannot tell their order, Stripe can. Asked outside the
            // transaction, so no row lock or connection waits on Stripe; if Stripe is down this throws and
            // the message is retried later.
            var now = await gateway.GetSubscriptionJsonAsync(needs.SubscriptionId, ct);
            logger.LogWarning("Two updates of subscription {SubscriptionId} in the same second; resolving from {Source}",
                needs.SubscriptionId, now is null ? "event ids (no Stripe to ask)" : "Stripe's current subscription");
            result = await ApplyOnceAsync(evt, json, new TieResolution(now), snapshot: false, ct);
        }
        return (result as Outcome.Done)?.Name;
    }

    /// <summary>
    /// Applies a subscription as Stripe shows it now (reconciliation) through the same rules and order as a
    /// webhook, at <see cref="EventPosition.Snapshot"/> rank in the second it was read. Recorded in
    /// webhook_events (<c>drift_repaired</c>) only when it changed a row: the tenant's, or the subscription's
    /// own (a duplicate that ended, a subscription that ended before the upgrade and had no row), so a later
    /// event can never move the tenant onto a subscription that has ended. Returns what changed, or null.
    /// </summary>
    public async Task<string?> ApplySnapshotAsync(SubscriptionSnapshot snapshot, CancellationToken ct)
    {
        var subscription = System.Text.Json.Nodes.JsonNode.Parse(snapshot.Json)?.AsObject()
                           ?? throw new InvalidDataException("A subscription snapshot must be a JSON object.");
        // Two seconds back: if our clock runs ahead of Stripe's, a snapshot must still never outrank an event it may not contain.
        var readAt = (snapshot.ReadAt - SnapshotClockMargin).ToUnixTimeSeconds();
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = $"reconcile_{snapshot.Id}_{readAt}",
            ["object"] = "event",
            ["type"] = EventPosition.SnapshotEventType,
            ["created"] = readAt,
            // Read with our own key, so in our own mode.
            ["livemode"] = stripe.Value.IsLiveMode,
            ["data"] = new System.Text.Json.Nodes.JsonObject { ["object"] = subscription },
        }.ToJsonString();
        var evt = StripeEventJson.Parse(json);
        using var scope = logger.BeginScope("StripeEventId:{StripeEventId} EventType:{EventType}", evt.Id, evt.Type);
        return (await ApplyOnceAsync(evt, json, tie: null, snapshot: true, ct) as Outcome.Done)?.Change;
    }

    private static readonly TimeSpan SnapshotClockMargin = TimeSpan.FromSeconds(2);

    private sealed record TieResolution(string? SubscriptionJson);

    private abstract record Outcome
    {
        public sealed record Done(string? Name, string? Change = null) : Outcome;
        public sealed record NeedsStripe(string SubscriptionId) : Outcome;
    }

    private async Task<Outcome> ApplyOnceAsync(StripeEventJson evt, string json, TieResolution? tie, bool snapshot, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var recorded = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO webhook_events (id, stripe_event_id, event_type, payload, received_at)
            VALUES ({Guid.CreateVersion7(now)}, {evt.Id}, {evt.Type}, {json}::jsonb, {now})
            ON CONFLICT (stripe_event_id) DO NOTHING
            """, ct);
        if (recorded == 0)
        {
            await tx.CommitAsync(ct);
            logger.LogInformation("Skipped {EventType} {EventId}: already applied", evt.Type, evt.Id);
            return new Outcome.Done(null);
        }

        var (outcome, tenantId, needsStripe, change) = await ApplyAsync(evt, tie, now, ct);
        if (needsStripe is not null)
        {
            await tx.RollbackAsync(ct);
            return new Outcome.NeedsStripe(needsStripe);
        }
        if (snapshot)
        {
            if (change is null)
            {
                await tx.RollbackAsync(ct); // in sync: nothing to record
                return new Outcome.Done(null);
            }
            outcome = WebhookOutcomes.DriftRepaired;
            logger.LogWarning("Reconcile repaired drift for tenant {TenantId} subscription {SubscriptionId}: {Change}",
                tenantId, evt.ObjectString("id"), change);
        }
        await db.SaveChangesAsync(ct);
        await db.WebhookEvents.Where(e => e.StripeEventId == evt.Id)
            .ExecuteUpdateAsync(e => e.SetProperty(x => x.ProcessedAt, now).SetProperty(x => x.Outcome, outcome), ct);
        await tx.CommitAsync(ct);

        logger.LogInformation("{Outcome} {EventType} {EventId} for tenant {TenantId} after {ApplyLagSeconds} s",
            outcome, evt.Type, evt.Id, tenantId, (long)(now - evt.Created).TotalSeconds);
        return new Outcome.Done(outcome, change);
    }

    private async Task<(string Outcome, Guid? TenantId, string? NeedsStripe, string? Change)> ApplyAsync(StripeEventJson evt, TieResolution? tie, DateTimeOffset now, CancellationToken ct)
    {
        // Live and test mode never mix: a test event can never grant a live tenant a plan, nor the reverse.
        if (evt.LiveMode != stripe.Value.IsLiveMode)
        {
            logger.LogWarning("Event {EventId} is a {EventMode} event but STRIPE_SECRET_KEY is a {KeyMode} key; ignored",
                evt.Id, ModeName(evt.LiveMode), ModeName(stripe.Value.IsLiveMode));
            return (WebhookOutcomes.Ignored, null, null, null);
        }
        if (EventPosition.RankOf(evt.Type) is not { } rank) return (WebhookOutcomes.Ignored, null, null, null);
        var position = new EventPosition(evt.Created, rank);
        var isCheckout = evt.Type == EventTypes.CheckoutSessionCompleted;
        var isInvoice = evt.Type is EventTypes.InvoicePaid or EventTypes.InvoicePaymentFailed;
        if (isCheckout && evt.ObjectString("mode") != "subscription") return (WebhookOutcomes.Ignored, null, null, null);

        var subscriptionId = isCheckout ? evt.ObjectReference("subscription") : isInvoice ? evt.InvoiceSubscriptionId() : evt.ObjectString("id");
        var tenantIdText = isCheckout ? evt.ObjectString("client_reference_id") ?? evt.Metadata("tenant_id")
            : isInvoice ? evt.InvoiceMetadata("tenant_id") : evt.Metadata("tenant_id");
        var customerId = evt.ObjectReference("customer");

        // A one-off invoice says nothing about a subscription.
        if (isInvoice && subscriptionId is null) return (WebhookOutcomes.Ignored, null, null, null);
        var tenant = await FindTenantAsync(tenantIdText, subscriptionId, customerId, ct);
        if (tenant is null) return (WebhookOutcomes.Ignored, null, null, null);
        // A customer id is linked to one tenant only: an event naming another tenant's customer changes nothing.
        if (tenant.StripeCustomerId is null && customerId is not null &&
            await db.Tenants.AnyAsync(t => t.StripeCustomerId == customerId && t.Id != tenant.Id, ct))
        {
            logger.LogWarning("Event names customer {CustomerId}, which belongs to another tenant than {TenantId}; left unchanged", customerId, tenant.Id);
            return (WebhookOutcomes.Ignored, tenant.Id, null, null);
        }
        if (tenant.IsLinkedToAnotherCustomer(customerId))
        {
            logger.LogWarning("Event names customer {CustomerId} but tenant {TenantId} is linked to {LinkedCustomerId}; left unchanged",
                customerId, tenant.Id, tenant.StripeCustomerId);
            return (WebhookOutcomes.Ignored, tenant.Id, null, null);
        }
        if (subscriptionId is null)
        {
            tenant.LinkCustomer(customerId, now);
            return (WebhookOutcomes.Applied, tenant.Id, null, null);
        }

        var subscriptions = await db.Subscriptions.Where(s => s.TenantId == tenant.Id).ToListAsync(ct);
        var subscription = subscriptions.FirstOrDefault(s => s.Id == subscriptionId);
        if (subscription is null && await db.Subscriptions.AnyAsync(s => s.Id == subscriptionId, ct))
        {
            logger.LogWarning("Subscription {SubscriptionId} belongs to another tenant than {TenantId}; left unchanged", subscriptionId, tenant.Id);
            return (WebhookOutcomes.Ignored, tenant.Id, null, null);
        }

        var endsIt = evt.Type == EventTypes.CustomerSubscriptionDeleted
                     || (!isCheckout && !isInvoice && evt.ObjectString("status") is { } s && SubscriptionStatuses.HasEnded(s));
        if (subscription is { Ended: true } && !endsIt)
            return (WebhookOutcomes.Stale, tenant.Id, null, null);

        // A subscription event's state: Stripe's current subscription when it resolves a tie; none when the price is not ours.
        var source = tie?.SubscriptionJson is { } current ? evt.WithObject(current) : evt;
        SubscriptionState? state = null;
        if (!isCheckout && !isInvoice && (state = StateOf(source, subscriptionId)) is null)
            return (WebhookOutcomes.Ignored, tenant.Id, null, null);

        var isNew = subscription is null;
        if (subscription is null)
        {
            subscription = new StripeSubscription { Id = subscriptionId, TenantId = tenant.Id, CustomerId = customerId, CreatedAt = now, UpdatedAt = now };
            db.Subscriptions.Add(subscription);
            subscriptions.Add(subscription);
        }
        var rowBefore = Shown(subscription);

        var outcome = WebhookOutcomes.Applied;
        if (isCheckout)
        {
            subscription.CheckoutSessionId ??= evt.ObjectString("id");
        }
        else if (isInvoice)
        {
            if (subscription.RecordPayment(evt.Type == EventTypes.InvoicePaymentFailed, position, now) == RecordResult.Stale)
                return (WebhookOutcomes.Stale, tenant.Id, null, null);
        }
        else
        {
            var winsTie = false;
            if (tie is not null)
            {
                winsTie = tie.SubscriptionJson is not null || string.CompareOrdinal(evt.Id, subscription.StateEventId) > 0;
                outcome = WebhookOutcomes.TieResolved;
            }
            var wasEnded = subscription.Ended;
            switch (subscription.RecordState(state!, position, evt.Id, winsTie, now))
            {
                case RecordResult.Tie when tie is null:
                    return (WebhookOutcomes.Stale, tenant.Id, subscriptionId, null);
                // An end is final even when its event is older than the state we have: it still ends the subscription.
                case RecordResult.Stale or RecordResult.Tie when wasEnded || !subscription.Ended:
                    return (WebhookOutcomes.Stale, tenant.Id, null, null);
            }
        }

        // Every check passed: only now may the event link the tenant's Stripe customer.
        tenant.LinkCustomer(customerId, now);
        var before = tenant.StripeSubscriptionId;
        var shownBefore = Shown(tenant);
        var projection = tenant.Project(subscriptions, now);
        var change = Changes(
            Describe(shownBefore, Shown(tenant)),
            isNew ? $"subscription {subscriptionId} recorded: {string.Join(", ", Shown(subscription))}"
            : Describe(rowBefore, Shown(subscription)) is { } rowChange ? $"subscription {subscriptionId}: {rowChange}" : null);
        if (tenant.SubscriptionEventAt is not { } last || evt.Created > last) tenant.SubscriptionEventAt = evt.Created;

        if (projection.Duplicates.Count > 0 && (projection.Current == subscription || projection.Duplicates.Contains(subscription)))
        {
            logger.LogError(
                "Tenant {TenantId} has {LiveCount} live subscriptions: it keeps {SubscriptionId} (created first); {DuplicateSubscriptionIds} must be refunded and canceled in Stripe",
                tenant.Id, projection.Duplicates.Count + 1, projection.Current!.Id, string.Join(",", projection.Duplicates.Select(d => d.Id)));
            return (WebhookOutcomes.DuplicateSubscription, tenant.Id, null, change);
        }
        if (projection.Current != subscription && before != subscriptionId)
        {
            logger.LogInformation("Subscription {SubscriptionId} is not tenant {TenantId}'s current one ({CurrentSubscriptionId}); recorded, tenant unchanged",
                subscriptionId, tenant.Id, projection.Current?.Id);
            return (WebhookOutcomes.Ignored, tenant.Id, null, change);
        }
        return (outcome, tenant.Id, null, change);
    }

    private static string ModeName(bool? liveMode) => liveMode switch { true => "live", false => "test", null => "mode-less" };

    /// <summary>What a tenant sees of its plan: the fields a missed event could leave wrong.</summary>
    private static string[] Shown(Tenant t) =>
    [
        $"customer {t.StripeCustomerId ?? "none"}",
        $"plan {WireNames.Of(t.PlanTier)}", $"status {t.SubscriptionStatus}", $"cancel_at_period_end {t.CancelAtPeriodEnd}",
        $"subscription {t.StripeSubscriptionId ?? "none"}", $"period {t.BillingPeriodStart:O}/{t.BillingPeriodEnd:O}",
    ];

    /// <summary>What we know of one subscription: a missed event can leave it wrong while the tenant looks right (a duplicate that ended).</summary>
    private static string[] Shown(StripeSubscription s) =>
    [
        $"plan {(s.PlanTier is { } tier ? WireNames.Of(tier) : "none")}", $"status {s.Status ?? "none"}", $"cancel_at_period_end {s.CancelAtPeriodEnd}",
        $"period {s.PeriodStart:O}/{s.PeriodEnd:O}", $"created {s.StripeCreatedAt:O}", $"ended {s.Ended}",
    ];

    private static string? Changes(params string?[] changes) =>
        changes.Where(c => c is not null).ToList() is { Count: > 0 } some ? string.Join("; ", some) : null;

    private static string? Describe(string[] before, string[] after)
    {
        var changes = before.Zip(after).Where(p => p.First != p.Second).Select(p => $"{p.First} -> {p.Second[(p.Second.IndexOf(' ') + 1)..]}").ToList();
        return changes.Count == 0 ? null : string.Join("; ", changes);
    }

    /// <summary>What a subscription event (or Stripe's current subscription) says; null when its price is none of ours.</summary>
    private SubscriptionState? StateOf(StripeEventJson evt, string subscriptionId)
    {
        var deleted = evt.Type == EventTypes.CustomerSubscriptionDeleted;
        var status = deleted ? SubscriptionStatuses.Canceled : evt.ObjectString("status") ?? SubscriptionStatuses.Active;
        var price = evt.FirstItemPriceId();
        var ours = stripe.Value.PriceOf(price);
        var tier = ours?.Tier;
        // A deletion ends the subscription whatever its price; any other event with a price of someone else's changes nothing.
        if (tier is null && !SubscriptionStatuses.HasEnded(status))
        {
            logger.LogWarning("Subscription {SubscriptionId} has unknown price {PriceId}; left unchanged", subscriptionId, price);
            return null;
        }
        return new SubscriptionState(evt.ObjectReference("customer"), subscriptionId, tier, status,
            evt.ObjectBool("cancel_at_period_end"), evt.SubscriptionPeriod(), evt.ObjectTime("created"), ours?.Interval);
    }

    /// <summary>The tenant from metadata, else by the subscription we already know, else by Stripe customer; locked until the transaction ends.</summary>
    private async Task<Tenant?> FindTenantAsync(string? tenantIdText, string? subscriptionId, string? customerId, CancellationToken ct)
    {
        Tenant? tenant = null;
        if (Guid.TryParse(tenantIdText, out var tenantId))
            tenant = await db.Tenants.FromSql($"SELECT * FROM tenants WHERE id = {tenantId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (tenant is null && subscriptionId is not null)
            tenant = await db.Tenants.FromSql(
                $"SELECT t.* FROM tenants t JOIN subscriptions s ON s.tenant_id = t.id WHERE s.id = {subscriptionId} FOR UPDATE OF t").SingleOrDefaultAsync(ct);
        if (tenant is null && customerId is not null)
            tenant = await db.Tenants.FromSql($"SELECT * FROM tenants WHERE stripe_customer_id = {customerId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (tenant is null)
            logger.LogWarning("No tenant for tenant_id {TenantIdText}, subscription {SubscriptionId} or customer {CustomerId}; event recorded, nothing applied",
                tenantIdText, subscriptionId, customerId);
        return tenant;
    }
}
