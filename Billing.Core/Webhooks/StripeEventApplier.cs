using Billing.Core.Data;
using Billing.Core.Stripe;
using Billing.Core.Tenants;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Webhooks;

/// <summary>
/// Applies one queued Stripe event exactly once (DESIGN.md section 9). In one transaction it records the
/// event (a duplicate id ends the work: nothing changes) and applies it to the tenant, locked for the
/// duration. Any failure rolls both back and escapes, so the queue retries and finally dead-letters it.
/// </summary>
public sealed class StripeEventApplier(BillingDbContext db, IOptions<StripeOptions> stripe, TimeProvider clock, ILogger<StripeEventApplier> logger)
{
    public async Task<string?> ApplyAsync(string message, CancellationToken ct)
    {
        var json = StripeEventQueue.Decode(message);
        var evt = StripeEventJson.Parse(json);
        using var scope = logger.BeginScope("StripeEventId:{StripeEventId} EventType:{EventType}", evt.Id, evt.Type);
        var now = clock.GetUtcNow();

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
            return null;
        }

        var (outcome, tenantId) = await ApplyAsync(evt, now, ct);
        await db.SaveChangesAsync(ct);
        await db.WebhookEvents.Where(e => e.StripeEventId == evt.Id)
            .ExecuteUpdateAsync(e => e.SetProperty(x => x.ProcessedAt, now).SetProperty(x => x.Outcome, outcome), ct);
        await tx.CommitAsync(ct);

        logger.LogInformation("{Outcome} {EventType} {EventId} for tenant {TenantId}", outcome, evt.Type, evt.Id, tenantId);
        return outcome;
    }

    private async Task<(string Outcome, Guid? TenantId)> ApplyAsync(StripeEventJson evt, DateTimeOffset now, CancellationToken ct)
    {
        switch (evt.Type)
        {
            case EventTypes.CheckoutSessionCompleted:
            {
                if (evt.ObjectString("mode") != "subscription") return (WebhookOutcomes.Ignored, null);
                var tenant = await FindTenantAsync(evt.ObjectString("client_reference_id") ?? evt.Metadata("tenant_id"), evt.ObjectReference("customer"), ct);
                if (tenant is null) return (WebhookOutcomes.Ignored, null);
                if (!tenant.LinkStripe(evt.ObjectReference("customer"), tenant.StripeSubscriptionId is null ? evt.ObjectReference("subscription") : null, now))
                    return (Mismatch(tenant, evt), tenant.Id);
                return (WebhookOutcomes.Applied, tenant.Id);
            }

            case EventTypes.CustomerSubscriptionCreated:
            case EventTypes.CustomerSubscriptionUpdated:
            {
                var tenant = await FindTenantAsync(evt.Metadata("tenant_id"), evt.ObjectReference("customer"), ct);
                if (tenant is null) return (WebhookOutcomes.Ignored, null);
                if (tenant.IsStale(evt.Created)) return (WebhookOutcomes.Stale, tenant.Id);
                var price = evt.FirstItemPriceId();
                if (stripe.Value.TierForPrice(price) is not { } tier)
                {
                    logger.LogWarning("Subscription {SubscriptionId} has unknown price {PriceId}; tenant {TenantId} left unchanged",
                        evt.ObjectString("id"), price, tenant.Id);
                    return (WebhookOutcomes.Ignored, tenant.Id);
                }
                var customer = evt.ObjectReference("customer");
                if (customer is not null && tenant.StripeCustomerId is not null && customer != tenant.StripeCustomerId)
                    return (Mismatch(tenant, evt), tenant.Id);
                var status = evt.ObjectString("status") ?? SubscriptionStatuses.Active;
                if (SubscriptionStatuses.HasEnded(status) && IsAboutAnotherSubscription(tenant, evt))
                    return (WebhookOutcomes.Ignored, tenant.Id);
                tenant.ApplySubscription(new SubscriptionState(customer, evt.ObjectString("id")!, tier,
                    status, evt.ObjectBool("cancel_at_period_end"), evt.SubscriptionPeriod()), evt.Created, now);
                return (WebhookOutcomes.Applied, tenant.Id);
            }

            case EventTypes.CustomerSubscriptionDeleted:
            {
                var tenant = await FindTenantAsync(evt.Metadata("tenant_id"), evt.ObjectReference("customer"), ct);
                if (tenant is null) return (WebhookOutcomes.Ignored, null);
                if (tenant.IsStale(evt.Created)) return (WebhookOutcomes.Stale, tenant.Id);
                if (IsAboutAnotherSubscription(tenant, evt)) return (WebhookOutcomes.Ignored, tenant.Id);
                tenant.EndSubscription(evt.Created, now);
                return (WebhookOutcomes.Applied, tenant.Id);
            }

            case EventTypes.InvoicePaid:
            case EventTypes.InvoicePaymentFailed:
            {
                var tenant = await FindTenantAsync(evt.InvoiceMetadata("tenant_id"), evt.ObjectReference("customer"), ct);
                if (tenant is null) return (WebhookOutcomes.Ignored, null);
                if (tenant.IsStale(evt.Created)) return (WebhookOutcomes.Stale, tenant.Id);
                // An invoice of a subscription the tenant no longer has (or a one-off invoice) says nothing about its status.
                if (tenant.StripeSubscriptionId is null || tenant.StripeSubscriptionId != evt.InvoiceSubscriptionId())
                    return (WebhookOutcomes.Ignored, tenant.Id);
                if (evt.Type == EventTypes.InvoicePaid) tenant.MarkPaid(now);
                else tenant.MarkPastDue(now);
                return (WebhookOutcomes.Applied, tenant.Id);
            }

            default:
                return (WebhookOutcomes.Ignored, null);
        }
    }

    /// <summary>The end of an older subscription says nothing about the one the tenant has now.</summary>
    private static bool IsAboutAnotherSubscription(Tenant tenant, StripeEventJson evt) =>
        tenant.StripeSubscriptionId is { } current && current != evt.ObjectString("id");

    private string Mismatch(Tenant tenant, StripeEventJson evt)
    {
        logger.LogWarning("Event names customer {CustomerId} but tenant {TenantId} is linked to {LinkedCustomerId}; left unchanged",
            evt.ObjectReference("customer"), tenant.Id, tenant.StripeCustomerId);
        return WebhookOutcomes.Ignored;
    }

    /// <summary>The tenant from metadata, else by Stripe customer; locked until the transaction ends.</summary>
    private async Task<Tenant?> FindTenantAsync(string? tenantIdText, string? customerId, CancellationToken ct)
    {
        Tenant? tenant = null;
        if (Guid.TryParse(tenantIdText, out var tenantId))
            tenant = await db.Tenants.FromSql($"SELECT * FROM tenants WHERE id = {tenantId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (tenant is null && customerId is not null)
            tenant = await db.Tenants.FromSql($"SELECT * FROM tenants WHERE stripe_customer_id = {customerId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (tenant is null)
            logger.LogWarning("No tenant for tenant_id {TenantIdText} or customer {CustomerId}; event recorded, nothing applied", tenantIdText, customerId);
        return tenant;
    }
}
