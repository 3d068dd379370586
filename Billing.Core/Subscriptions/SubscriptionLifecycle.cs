using Billing.Core.Data;
using Microsoft.EntityFrameworkCore;
using System.Security.Cryptography;
using System.Text;

namespace Billing.Core.Subscriptions;

/// <summary>What changing to <see cref="PlanTier"/> would cost, from Stripe's invoice preview.</summary>
public sealed record ChangePreview(
    PlanTier PlanTier, bool Immediate, DateTimeOffset EffectiveAt, long AmountDueNow, long NextAmount, string Currency, DateTimeOffset? ProrationDate);

/// <summary>What a change, cancel or resume asked of Stripe did: the tenant's row changes when Stripe's events arrive.</summary>
public sealed record LifecycleResult(string Status, DateTimeOffset? EffectiveAt = null, string? HostedInvoiceUrl = null)
{
    public const string Changed = "changed";
    public const string RequiresAction = "requires_action";
    public const string Scheduled = "scheduled";
    public const string Unchanged = "unchanged";
    public const string Canceling = "canceling";
    public const string Resumed = "resumed";
}

/// <summary>
/// The life of a paid subscription after checkout: preview and change the plan (an upgrade now, prorated and
/// invoiced at once; a downgrade at the end of the paid period through a subscription schedule), cancel at period
/// end and take it back. These ask Stripe, through the billing provider, and answer what Stripe did; the tenant's row is
/// only ever written by the webhook pipeline, when Stripe's events about it arrive.
/// </summary>
public sealed class SubscriptionLifecycle(
    TenantDirectory tenants, IDbContextFactory<BillingDbContext> contexts, IBillingProvider provider, TimeProvider clock, ILogger<SubscriptionLifecycle> logger)
{
    public const string PlanTierRule = "must be pro or enterprise";
    public const string ProrationDateRule = "must be the proration_date of a preview, within the current billing period";
    public const string IdempotencyKeyRule = "must be 1 to 255 printable ASCII characters, without spaces";

    public async Task<ChangePreview> PreviewAsync(Guid tenantId, string? planTier, CancellationToken ct)
    {
        var target = ParseTier(planTier);
        var current = await CurrentAsync(tenantId, "change", ct);
        if (target == current.Tier)
            throw BillingException.Conflict("plan_unchanged", $"This tenant is on the {WireNames.Of(target)} plan already.");

        var now = WholeSeconds(clock.GetUtcNow());
        var immediate = IsUpgrade(current.Tier, target);
        var amounts = await provider.PreviewChangeAsync(current, target, immediate ? now : null, ct);
        return new ChangePreview(target, immediate, immediate ? now : current.Period.End, amounts.AmountDueNow, amounts.NextAmount,
            amounts.Currency, immediate ? now : null);
    }

    /// <summary>
    /// An upgrade changes the price now, invoices the proration at once and leaves the plan unchanged if that payment
    /// does not go through; a downgrade is scheduled for the end of the paid period; the current tier drops a
    /// scheduled change. A repeat with the same <paramref name="idempotencyKey"/> is not carried out twice by Stripe.
    /// </summary>
    public async Task<LifecycleResult> ChangeAsync(Guid tenantId, string? planTier, DateTimeOffset? prorationDate, string? idempotencyKey, CancellationToken ct)
    {
        var target = ParseTier(planTier);
        var key = StripeKey(tenantId, "change", idempotencyKey);
        var current = await CurrentAsync(tenantId, "change", ct);

        if (target == current.Tier)
        {
            if (current.ScheduleId is not null)
            {
                await provider.ReleaseScheduleAsync(current, key, ct);
                logger.LogInformation("Dropped the scheduled change of {SubscriptionId} for tenant {TenantId}", current.SubscriptionId, tenantId);
            }
            return new LifecycleResult(LifecycleResult.Unchanged);
        }

        if (!IsUpgrade(current.Tier, target))
        {
            var effectiveAt = await provider.ScheduleChangeAsync(current, target, key, ct);
            logger.LogInformation("Scheduled {SubscriptionId} of tenant {TenantId} to change to {Tier} at {EffectiveAt}",
                current.SubscriptionId, tenantId, WireNames.Of(target), effectiveAt);
            return new LifecycleResult(LifecycleResult.Scheduled, effectiveAt);
        }

        var now = clock.GetUtcNow();
        if (prorationDate is { } date && (date < current.Period.Start || date > now || date >= current.Period.End))
            throw BillingException.Validation("proration_date", ProrationDateRule);
        // An upgrade supersedes a scheduled change: the schedule would otherwise put the old price back.
        if (current.ScheduleId is not null) await provider.ReleaseScheduleAsync(current, key, ct);
        var change = await provider.ChangePriceNowAsync(current, target, prorationDate ?? WholeSeconds(now), key, ct);
        logger.LogInformation("Changed {SubscriptionId} of tenant {TenantId} to {Tier}: {Outcome}", current.SubscriptionId, tenantId,
            WireNames.Of(target), change.HostedInvoiceUrl is null ? "paid" : "waiting for the customer to complete the payment");
        return change.HostedInvoiceUrl is { } url
            ? new LifecycleResult(LifecycleResult.RequiresAction, HostedInvoiceUrl: url)
            : new LifecycleResult(LifecycleResult.Changed, now);
    }

    /// <summary>Ends the subscription at the end of its period (a scheduled change is dropped: nothing follows the end).</summary>
    public async Task<LifecycleResult> CancelAsync(Guid tenantId, string? idempotencyKey, CancellationToken ct)
    {
        var key = StripeKey(tenantId, "cancel", idempotencyKey);
        var current = await CurrentAsync(tenantId, "cancel", ct);
        if (current.ScheduleId is not null) await provider.ReleaseScheduleAsync(current, key, ct);
        var endsAt = await provider.SetCancelAtPeriodEndAsync(current, true, key, ct);
        logger.LogInformation("Set {SubscriptionId} of tenant {TenantId} to end at {EndsAt}", current.SubscriptionId, tenantId, endsAt);
        return new LifecycleResult(LifecycleResult.Canceling, endsAt);
    }

    /// <summary>Takes back a cancellation at period end: the subscription renews as before.</summary>
    public async Task<LifecycleResult> ResumeAsync(Guid tenantId, string? idempotencyKey, CancellationToken ct)
    {
        var key = StripeKey(tenantId, "resume", idempotencyKey);
        var current = await CurrentAsync(tenantId, "resume", ct);
        await provider.SetCancelAtPeriodEndAsync(current, false, key, ct);
        logger.LogInformation("Resumed {SubscriptionId} of tenant {TenantId}", current.SubscriptionId, tenantId);
        return new LifecycleResult(LifecycleResult.Resumed);
    }

    /// <summary>The tenant's live paid subscription as the webhook pipeline recorded it, with the schedule that changes it, if any.</summary>
    private async Task<TenantSubscription> CurrentAsync(Guid tenantId, string action, CancellationToken ct)
    {
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        if (tenant.StripeSubscriptionId is not { } subscriptionId || tenant.PlanTier == PlanTier.Free ||
            !SubscriptionStatuses.IsLive(tenant.SubscriptionStatus))
        {
            throw BillingException.Conflict("no_subscription",
                $"This tenant has no paid subscription to {action}; a paid plan starts with a checkout.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == subscriptionId, ct);
        var scheduleId = await db.SubscriptionSchedules.AsNoTracking()
            .Where(s => s.SubscriptionId == subscriptionId && !s.Ended)
            .OrderByDescending(s => s.StripeCreatedAt).Select(s => s.Id).FirstOrDefaultAsync(ct);
        return new TenantSubscription(tenantId, subscriptionId, tenant.StripeCustomerId, tenant.PlanTier,
            tenant.BillingInterval ?? BillingInterval.Month, tenant.SubscriptionStatus,
            tenant.CurrentPeriod(clock.GetUtcNow()), tenant.CancelAtPeriodEnd, subscription?.TrialEnd, scheduleId, subscription?.StripeCreatedAt,
            subscription?.Currency ?? tenant.Currency ?? Currencies.Usd);
    }

    private static PlanTier ParseTier(string? planTier)
    {
        if (string.IsNullOrEmpty(planTier))
            throw BillingException.Validation("plan_tier", "is required: " + PlanTierRule);
        if (!WireNames.TryParseTier(planTier, out var tier) || tier == PlanTier.Free)
            throw BillingException.Validation("plan_tier", PlanTierRule + "; to leave the paid plans, cancel");
        return tier;
    }

    private static bool IsUpgrade(PlanTier from, PlanTier to) => PlanCatalog.For(to).PriceMonthly > PlanCatalog.For(from).PriceMonthly;

    private static DateTimeOffset WholeSeconds(DateTimeOffset at) => DateTimeOffset.FromUnixTimeSeconds(at.ToUnixTimeSeconds());

    /// <summary>
    /// Stripe's idempotency key for this request: from the caller's <c>Idempotency-Key</c> (hashed, so any length
    /// fits Stripe's), or a fresh one. The same key with other parameters is refused by Stripe (409 here).
    /// </summary>
    private static string StripeKey(Guid tenantId, string action, string? idempotencyKey)
    {
        if (idempotencyKey is null) return $"{action}-{tenantId:N}-{Guid.NewGuid():N}";
        if (idempotencyKey.Length is 0 or > 255 || !idempotencyKey.All(c => c is >= '!' and <= '~'))
            throw BillingException.Validation("Idempotency-Key", IdempotencyKeyRule);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(idempotencyKey)))[..32];
        return $"{action}-{tenantId:N}-{hash}";
    }
}
