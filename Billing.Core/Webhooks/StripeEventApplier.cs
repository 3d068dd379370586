using Billing.Core.Data;
using Billing.Core.Stripe;
using Billing.Core.Subscriptions;
using Microsoft.EntityFrameworkCore;
using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Webhooks;

/// <summary>
/// Applies one queued Stripe event exactly once (docs/webhooks-and-usage.md#webhooks-at-least-once-in-exactly-once-effect).
/// In one transaction it records the event (a duplicate id ends the work: nothing changes), reads it once into its
/// <see cref="Facts"/>, records them in their subscription's register if they are newer in the
/// <see cref="EventPosition"/> order than what we have, and works the tenant's row out again from all its
/// subscriptions (<see cref="Tenant.Project"/>), under the tenant's row lock. So the tenant ends the same whatever
/// order and however often Stripe delivers a set of events. Reconciliation enters the same rules with a
/// subscription as Stripe shows it (<see cref="ApplySnapshotAsync"/>). Any failure rolls everything back and
/// escapes, so the queue retries and finally dead-letters it.
/// </summary>
public sealed class StripeEventApplier(
    BillingDbContext db, IBillingProvider provider, IOptions<StripeOptions> stripe, IOptions<BillingOptions> billing, TimeProvider clock,
    ILogger<StripeEventApplier> logger)
{
    public async Task<string?> ApplyAsync(string message, CancellationToken ct)
    {
        var json = StripeEventQueue.Decode(message);
        var evt = StripeEventJson.Parse(json);
        var record = new Record(evt.Id, evt.Type, evt.Created, json);
        using var scope = logger.BeginScope("StripeEventId:{StripeEventId} EventType:{EventType}", evt.Id, evt.Type);

        var result = await ApplyOnceAsync(record, () => ReadFacts(evt, tie: null), tie: null, snapshot: false, ct);
        if (result is Result.NeedsStripe needs)
        {
            // Two updates of one second: the events cannot tell their order, Stripe can. Asked outside the
            // transaction, so no row lock or connection waits on Stripe; if Stripe is down this throws and
            // the message is retried later.
            var now = await provider.GetSubscriptionJsonAsync(needs.SubscriptionId, ct);
            logger.LogWarning("Two updates of subscription {SubscriptionId} in the same second; resolving from {Source}",
                needs.SubscriptionId, now is null ? "event ids (no Stripe to ask)" : "Stripe's current subscription");
            var tie = new TieResolution(now);
            result = await ApplyOnceAsync(record, () => ReadFacts(evt, tie), tie, snapshot: false, ct);
        }
        return (result as Result.Done)?.Outcome;
    }

    /// <summary>
    /// Applies a subscription as Stripe shows it now (reconciliation) through the same rules and order as a
    /// webhook, at <see cref="EventPosition.Snapshot"/> rank in the second it was read. Recorded in
    /// webhook_events (type <see cref="EventPosition.SnapshotEventType"/>, the subscription as payload, outcome
    /// <c>drift_repaired</c>) only when it changed a row: the tenant's, or the subscription's own (a duplicate that
    /// ended, a subscription that ended before the upgrade and had no row), so a later event can never move the
    /// tenant onto a subscription that has ended. Returns what changed, or null.
    /// </summary>
    public async Task<string?> ApplySnapshotAsync(SubscriptionSnapshot snapshot, CancellationToken ct)
    {
        var subscription = StripeObjectJson.Parse(snapshot.Json);
        // Two seconds back: if our clock runs ahead of Stripe's, a snapshot must still never outrank an event it may not contain.
        var readAt = DateTimeOffset.FromUnixTimeSeconds((snapshot.ReadAt - SnapshotClockMargin).ToUnixTimeSeconds());
        var record = new Record($"reconcile_{snapshot.Id}_{readAt.ToUnixTimeSeconds()}", EventPosition.SnapshotEventType, readAt, snapshot.Json);
        using var scope = logger.BeginScope("StripeEventId:{StripeEventId} EventType:{EventType}", record.Id, record.Type);
        // Read with our own key, so always in our own mode.
        var facts = () => StateFacts(new EventPosition(readAt, EventPosition.Snapshot), subscription, deleted: false, snapshot.Id);
        return (await ApplyOnceAsync(record, facts, tie: null, snapshot: true, ct) as Result.Done)?.Change;
    }

    private static readonly TimeSpan SnapshotClockMargin = TimeSpan.FromSeconds(2);

    /// <summary>What goes into webhook_events: the event's id, type and time and its raw JSON (a snapshot: the subscription).</summary>
    private sealed record Record(string Id, string Type, DateTimeOffset Created, string Payload);

    private sealed record TieResolution(string? SubscriptionJson);

    /// <summary>What applying one event came to: done (with its outcome), or a tie only Stripe can settle.</summary>
    private abstract record Result
    {
        public sealed record Done(string Outcome, Guid? TenantId = null, string? Change = null) : Result;
        public sealed record NeedsStripe(string SubscriptionId) : Result;
        /// <summary>Nothing to record: a redelivered event id, or a reconciliation snapshot that found everything in sync.</summary>
        public sealed record Unchanged : Result;

        public static Done Ignored(Guid? tenantId = null) => new(WebhookOutcomes.Ignored, tenantId);
        public static Done Stale(Guid tenantId) => new(WebhookOutcomes.Stale, tenantId);
    }

    /// <summary>
    /// What an event says, read once from its JSON: where it stands in the order, whom it names, and what it
    /// records about its subscription, one kind per register.
    /// </summary>
    private abstract record Facts(EventPosition Position, string? TenantIdText, string? CustomerId, string? SubscriptionId)
    {
        /// <summary>A checkout completed: it links the customer and marks its subscription as on the way.</summary>
        public sealed record Checkout(EventPosition Position, string? TenantIdText, string? CustomerId, string? SubscriptionId, string? SessionId)
            : Facts(Position, TenantIdText, CustomerId, SubscriptionId);

        /// <summary>An invoice of a subscription was paid or failed: the payment register and the run of failures.</summary>
        public sealed record Payment(EventPosition Position, string? TenantIdText, string? CustomerId, string SubscriptionId, bool Failed)
            : Facts(Position, TenantIdText, CustomerId, SubscriptionId);

        /// <summary>The subscription's state (<see cref="Value"/> null: a price that is not ours); <see cref="EndsIt"/> for a deletion or an ended status.</summary>
        public sealed record State(EventPosition Position, string? TenantIdText, string? CustomerId, string SubscriptionId, SubscriptionState? Value, bool EndsIt)
            : Facts(Position, TenantIdText, CustomerId, SubscriptionId);

        /// <summary>A subscription schedule of the subscription: what a scheduled change shows.</summary>
        public sealed record Schedule(EventPosition Position, string? TenantIdText, string? CustomerId, string SubscriptionId, ScheduleState Value)
            : Facts(Position, TenantIdText, CustomerId, SubscriptionId);
    }

    /// <summary>
    /// Records <paramref name="record"/> (a duplicate id ends here), reads its facts (after the dedupe, so a
    /// redelivery logs nothing about them) and applies them, all in one transaction.
    /// </summary>
    private async Task<Result> ApplyOnceAsync(Record record, Func<Facts?> readFacts, TieResolution? tie, bool snapshot, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        db.ChangeTracker.Clear();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var recorded = await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO webhook_events (id, stripe_event_id, event_type, payload, received_at)
            VALUES ({Guid.CreateVersion7(now)}, {record.Id}, {record.Type}, {record.Payload}::jsonb, {now})
            ON CONFLICT (stripe_event_id) DO NOTHING
            """, ct);
        if (recorded == 0)
        {
            await tx.CommitAsync(ct);
            logger.LogInformation("Skipped {EventType} {EventId}: already applied", record.Type, record.Id);
            return new Result.Unchanged();
        }

        var facts = readFacts();
        var result = facts is null ? Result.Ignored() : await ApplyFactsAsync(facts, record.Id, tie, now, ct);
        if (result is not Result.Done done)
        {
            await tx.RollbackAsync(ct);
            return result;
        }
        if (snapshot)
        {
            if (done.Change is null)
            {
                await tx.RollbackAsync(ct); // in sync: nothing to record
                return new Result.Unchanged();
            }
            done = done with { Outcome = WebhookOutcomes.DriftRepaired };
            logger.LogWarning("Reconcile repaired drift for tenant {TenantId} subscription {SubscriptionId}: {Change}",
                done.TenantId, facts!.SubscriptionId, done.Change);
        }
        await db.SaveChangesAsync(ct);
        await db.WebhookEvents.Where(e => e.StripeEventId == record.Id)
            .ExecuteUpdateAsync(e => e.SetProperty(x => x.ProcessedAt, now).SetProperty(x => x.Outcome, done.Outcome), ct);
        await tx.CommitAsync(ct);

        logger.LogInformation("{Outcome} {EventType} {EventId} for tenant {TenantId} after {ApplyLagSeconds} s",
            done.Outcome, record.Type, record.Id, done.TenantId, (long)(now - record.Created).TotalSeconds);
        return done;
    }

    /// <summary>
    /// The event's facts, or null when it says nothing about a tenant's subscription (the other Stripe mode, another
    /// type, a one-off invoice, a payment-mode checkout).
    /// </summary>
    private Facts? ReadFacts(StripeEventJson evt, TieResolution? tie)
    {
        // Live and test mode never mix: a test event can never grant a live tenant a plan, nor the reverse.
        if (evt.LiveMode != stripe.Value.IsLiveMode)
        {
            logger.LogWarning("Event {EventId} is a {EventMode} event but STRIPE_SECRET_KEY is a {KeyMode} key; ignored",
                evt.Id, ModeName(evt.LiveMode), ModeName(stripe.Value.IsLiveMode));
            return null;
        }
        if (EventPosition.RankOf(evt.Type) is not { } rank) return null;
        var at = new EventPosition(evt.Created, rank);
        var o = evt.Object;
        var customer = o.Reference("customer");
        switch (evt.Type)
        {
            case EventTypes.CheckoutSessionCompleted:
                return o.String("mode") != "subscription" ? null
                    : new Facts.Checkout(at, o.String("client_reference_id") ?? o.Metadata("tenant_id"), customer, o.Reference("subscription"), o.String("id"));
            case EventTypes.InvoicePaid or EventTypes.InvoicePaymentFailed:
                // A one-off invoice says nothing about a subscription.
                return o.InvoiceSubscriptionId() is not { } invoiced ? null
                    : new Facts.Payment(at, o.InvoiceMetadata("tenant_id"), customer, invoiced, evt.Type == EventTypes.InvoicePaymentFailed);
        }
        if (EventPosition.IsSchedule(rank))
        {
            return ScheduleState.From(o, stripe.Value.TierForPrice) is { } schedule
                ? new Facts.Schedule(at, o.Metadata("tenant_id"), customer, schedule.SubscriptionId, schedule)
                : null;
        }
        if (o.String("id") is not { } subscriptionId) return null;
        // Stripe's current subscription when it resolves a tie; whether the event ends it is the event's own say.
        var deleted = evt.Type == EventTypes.CustomerSubscriptionDeleted;
        var facts = StateFacts(at, o, deleted, subscriptionId);
        return tie?.SubscriptionJson is { } current
            ? facts with { Value = StateOf(StripeObjectJson.Parse(current), deleted, subscriptionId) }
            : facts;
    }

    /// <summary>What a subscription object says about its state, at <paramref name="at"/> in the order.</summary>
    private Facts.State StateFacts(EventPosition at, StripeObjectJson subscription, bool deleted, string subscriptionId)
    {
        var endsIt = deleted || (subscription.String("status") is { } status && SubscriptionStatuses.HasEnded(status));
        return new Facts.State(at, subscription.Metadata("tenant_id"), subscription.Reference("customer"), subscriptionId,
            StateOf(subscription, deleted, subscriptionId), endsIt);
    }

    /// <summary>
    /// Finds and checks the tenant the facts name, records them in their subscription's register (one small
    /// method per kind), and works the tenant's row out again from all its subscriptions and schedules.
    /// </summary>
    private async Task<Result> ApplyFactsAsync(Facts facts, string eventId, TieResolution? tie, DateTimeOffset now, CancellationToken ct)
    {
        var tenant = await FindTenantAsync(facts.TenantIdText, facts.SubscriptionId, facts.CustomerId, ct);
        if (tenant is null) return Result.Ignored();
        var customerId = facts.CustomerId;
        // A customer id is linked to one tenant only: an event naming another tenant's customer changes nothing.
        if (tenant.StripeCustomerId is null && customerId is not null &&
            await db.Tenants.AnyAsync(t => t.StripeCustomerId == customerId && t.Id != tenant.Id, ct))
        {
            logger.LogWarning("Event names customer {CustomerId}, which belongs to another tenant than {TenantId}; left unchanged", customerId, tenant.Id);
            return Result.Ignored(tenant.Id);
        }
        if (tenant.IsLinkedToAnotherCustomer(customerId))
        {
            logger.LogWarning("Event names customer {CustomerId} but tenant {TenantId} is linked to {LinkedCustomerId}; left unchanged",
                customerId, tenant.Id, tenant.StripeCustomerId);
            return Result.Ignored(tenant.Id);
        }
        if (facts.SubscriptionId is not { } subscriptionId)
        {
            tenant.LinkCustomer(customerId, now);
            return new Result.Done(WebhookOutcomes.Applied, tenant.Id);
        }

        var subscriptions = await db.Subscriptions.Where(s => s.TenantId == tenant.Id).ToListAsync(ct);
        var subscription = subscriptions.FirstOrDefault(s => s.Id == subscriptionId);
        if (subscription is null && await db.Subscriptions.AnyAsync(s => s.Id == subscriptionId, ct))
        {
            logger.LogWarning("Subscription {SubscriptionId} belongs to another tenant than {TenantId}; left unchanged", subscriptionId, tenant.Id);
            return Result.Ignored(tenant.Id);
        }
        if (subscription is { Ended: true } && facts is not Facts.State { EndsIt: true })
            return Result.Stale(tenant.Id);
        if (facts is Facts.State { Value: null })
            return Result.Ignored(tenant.Id); // a price that is not ours

        var isNew = subscription is null;
        if (subscription is null)
        {
            subscription = new StripeSubscription { Id = subscriptionId, TenantId = tenant.Id, CustomerId = customerId, CreatedAt = now, UpdatedAt = now };
            db.Subscriptions.Add(subscription);
            subscriptions.Add(subscription);
        }
        var schedules = await db.SubscriptionSchedules.Where(s => s.TenantId == tenant.Id).ToListAsync(ct);
        var rowBefore = Shown(subscription);

        var recorded = facts switch
        {
            Facts.Checkout checkout => RecordCheckout(subscription, checkout),
            Facts.Payment payment => RecordPayment(subscription, payment, now),
            Facts.State state => RecordState(subscription, state, eventId, tie, now),
            Facts.Schedule schedule => await RecordScheduleAsync(tenant, schedules, schedule, eventId, now, ct),
            _ => throw new InvalidOperationException($"No register for {facts.GetType().Name}."),
        };
        // Only a recorded event goes on to the tenant; a stale or ignored one, or a tie for Stripe to settle, ends here.
        if (recorded is not Result.Done { Outcome: WebhookOutcomes.Applied or WebhookOutcomes.TieResolved } ok)
            return recorded is Result.Done done ? done with { TenantId = tenant.Id } : recorded;
        var outcome = ok.Outcome;

        // Every check passed: only now may the event link the tenant's Stripe customer.
        tenant.LinkCustomer(customerId, now);
        var before = tenant.StripeSubscriptionId;
        var shownBefore = Shown(tenant);
        var projection = tenant.Project(subscriptions, schedules, now, billing.Value.PaymentGrace);
        var change = Changes(
            Describe(shownBefore, Shown(tenant)),
            isNew ? $"subscription {subscriptionId} recorded: {string.Join(", ", Shown(subscription))}"
            : Describe(rowBefore, Shown(subscription)) is { } rowChange ? $"subscription {subscriptionId}: {rowChange}" : null);
        if (tenant.SubscriptionEventAt is not { } last || facts.Position.Created > last) tenant.SubscriptionEventAt = facts.Position.Created;

        if (projection.Duplicates.Count > 0 && (projection.Current == subscription || projection.Duplicates.Contains(subscription)))
        {
            logger.LogError(
                "Tenant {TenantId} has {LiveCount} live subscriptions: it keeps {SubscriptionId} (created first); {DuplicateSubscriptionIds} must be refunded and canceled in Stripe",
                tenant.Id, projection.Duplicates.Count + 1, projection.Current!.Id, string.Join(",", projection.Duplicates.Select(d => d.Id)));
            return new Result.Done(WebhookOutcomes.DuplicateSubscription, tenant.Id, change);
        }
        if (projection.Current != subscription && before != subscriptionId)
        {
            logger.LogInformation("Subscription {SubscriptionId} is not tenant {TenantId}'s current one ({CurrentSubscriptionId}); recorded, tenant unchanged",
                subscriptionId, tenant.Id, projection.Current?.Id);
            return new Result.Done(WebhookOutcomes.Ignored, tenant.Id, change);
        }
        return new Result.Done(outcome, tenant.Id, change);
    }

    private static Result RecordCheckout(StripeSubscription subscription, Facts.Checkout checkout)
    {
        subscription.CheckoutSessionId ??= checkout.SessionId;
        return new Result.Done(WebhookOutcomes.Applied);
    }

    private static Result RecordPayment(StripeSubscription subscription, Facts.Payment payment, DateTimeOffset now) =>
        subscription.RecordPayment(payment.Failed, payment.Position, now) == RecordResult.Stale
            ? new Result.Done(WebhookOutcomes.Stale)
            : new Result.Done(WebhookOutcomes.Applied);

    private static Result RecordState(StripeSubscription subscription, Facts.State state, string eventId, TieResolution? tie, DateTimeOffset now)
    {
        // With Stripe's answer the event wins its tie; without one (no Stripe to ask) the larger event id does.
        var winsTie = tie is not null && (tie.SubscriptionJson is not null || string.CompareOrdinal(eventId, subscription.StateEventId) > 0);
        var wasEnded = subscription.Ended;
        return subscription.RecordState(state.Value!, state.Position, eventId, winsTie, now) switch
        {
            RecordResult.Tie when tie is null => new Result.NeedsStripe(subscription.Id),
            // An end is final even when its event is older than the state we have: it still ends the subscription.
            RecordResult.Stale or RecordResult.Tie when wasEnded || !subscription.Ended => new Result.Done(WebhookOutcomes.Stale),
            _ => new Result.Done(tie is null ? WebhookOutcomes.Applied : WebhookOutcomes.TieResolved),
        };
    }

    private async Task<Result> RecordScheduleAsync(Tenant tenant, List<SubscriptionSchedule> schedules, Facts.Schedule facts, string eventId,
        DateTimeOffset now, CancellationToken ct)
    {
        var schedule = schedules.FirstOrDefault(s => s.Id == facts.Value.ScheduleId);
        if (schedule is null)
        {
            if (await db.SubscriptionSchedules.AnyAsync(s => s.Id == facts.Value.ScheduleId, ct))
            {
                logger.LogWarning("Schedule {ScheduleId} belongs to another tenant than {TenantId}; left unchanged", facts.Value.ScheduleId, tenant.Id);
                return Result.Ignored();
            }
            schedule = new SubscriptionSchedule
            {
                Id = facts.Value.ScheduleId, TenantId = tenant.Id, SubscriptionId = facts.SubscriptionId!, CreatedAt = now, UpdatedAt = now,
            };
            db.SubscriptionSchedules.Add(schedule);
            schedules.Add(schedule);
        }
        return schedule.Record(facts.Value, facts.Position, eventId, now) == RecordResult.Stale
            ? new Result.Done(WebhookOutcomes.Stale)
            : new Result.Done(WebhookOutcomes.Applied);
    }

    private static string ModeName(bool? liveMode) => liveMode switch { true => "live", false => "test", null => "mode-less" };

    /// <summary>What a tenant sees of its plan: the fields a missed event could leave wrong.</summary>
    private static string[] Shown(Tenant t) =>
    [
        $"customer {t.StripeCustomerId ?? "none"}",
        $"plan {WireNames.Of(t.PlanTier)}", $"status {t.SubscriptionStatus}", $"cancel_at_period_end {t.CancelAtPeriodEnd}",
        $"subscription {t.StripeSubscriptionId ?? "none"}", $"period {t.BillingPeriodStart:O}/{t.BillingPeriodEnd:O}",
        $"limits {WireNames.Of(t.LimitsTier)}", $"grace_until {t.GraceUntil:O}", $"trial_end {t.TrialEnd:O}", $"cancel_at {t.CancelAt:O}",
        $"pending {(t.PendingPlanTier is { } pending ? WireNames.Of(pending) : "none")}/{t.PendingChangeAt:O}",
    ];

    /// <summary>What we know of one subscription: a missed event can leave it wrong while the tenant looks right (a duplicate that ended).</summary>
    private static string[] Shown(StripeSubscription s) =>
    [
        $"plan {(s.PlanTier is { } tier ? WireNames.Of(tier) : "none")}", $"status {s.Status ?? "none"}", $"cancel_at_period_end {s.CancelAtPeriodEnd}",
        $"period {s.PeriodStart:O}/{s.PeriodEnd:O}", $"created {s.StripeCreatedAt:O}", $"ended {s.Ended}",
        $"trial_end {s.TrialEnd:O}", $"cancel_at {s.CancelAt:O}",
    ];

    private static string? Changes(params string?[] changes) =>
        changes.Where(c => c is not null).ToList() is { Count: > 0 } some ? string.Join("; ", some) : null;

    private static string? Describe(string[] before, string[] after)
    {
        var changes = before.Zip(after).Where(p => p.First != p.Second).Select(p => $"{p.First} -> {p.Second[(p.Second.IndexOf(' ') + 1)..]}").ToList();
        return changes.Count == 0 ? null : string.Join("; ", changes);
    }

    /// <summary>What a subscription (an event's, or Stripe's current one) says; null when its price is none of ours.</summary>
    private SubscriptionState? StateOf(StripeObjectJson subscription, bool deleted, string subscriptionId)
    {
        var status = deleted ? SubscriptionStatuses.Canceled : subscription.String("status") ?? SubscriptionStatuses.Active;
        var price = subscription.FirstItemPriceId();
        var ours = stripe.Value.PriceOf(price);
        var tier = ours?.Tier;
        // A deletion ends the subscription whatever its price; any other event with a price of someone else's changes nothing.
        if (tier is null && !SubscriptionStatuses.HasEnded(status))
        {
            logger.LogWarning("Subscription {SubscriptionId} has unknown price {PriceId}; left unchanged", subscriptionId, price);
            return null;
        }
        return new SubscriptionState(subscription.Reference("customer"), subscriptionId, tier, status,
            subscription.Bool("cancel_at_period_end"), subscription.SubscriptionPeriod(), subscription.Time("created"), ours?.Interval,
            subscription.Time("trial_end"), subscription.Time("cancel_at"), subscription.String("currency")?.ToLowerInvariant());
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
