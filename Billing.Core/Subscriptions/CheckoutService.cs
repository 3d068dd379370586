using Billing.Core.Errors;
using Billing.Core.Plans;
using Billing.Core.Tenants;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Core.Subscriptions;

/// <summary>
/// Checkout and the billing portal (DESIGN.md section 6): who may start a checkout, where the user may be
/// sent back to, and one Stripe customer per tenant however many checkouts race.
/// </summary>
public sealed class CheckoutService(
    NpgsqlDataSource db, TenantDirectory tenants, IBillingProvider provider, IOptions<BillingOptions> billing, ILogger<CheckoutService> logger)
{
    /// <summary>Stripe replaces this in the success URL with the session's id.</summary>
    public const string SessionIdPlaceholder = "{CHECKOUT_SESSION_ID}";

    public const string PlanTierRule = "must be pro or enterprise";
    public const string RedirectUrlRule = "must be an absolute URL on the frontend's origin (FRONTEND_BASE_URL)";

    public async Task<CheckoutSessionCreated> CreateCheckoutAsync(Guid tenantId, string? planTier, string? successUrl, string? cancelUrl, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(planTier))
            throw BillingException.Validation("plan_tier", "is required: pro or enterprise");
        if (!WireNames.TryParseTier(planTier, out var tier) || tier == PlanTier.Free)
            throw BillingException.Validation("plan_tier", PlanTierRule + "; the free plan needs no checkout");
        var success = WithSessionId(RedirectOrDefault("success_url", successUrl, "/billing/success"));
        var cancel = RedirectOrDefault("cancel_url", cancelUrl, "/billing/cancel");

        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        if (tenant.PlanTier != PlanTier.Free && SubscriptionStatuses.IsLive(tenant.SubscriptionStatus))
        {
            throw BillingException.Conflict("already_subscribed",
                "This tenant already has a paid subscription; change plans through the billing portal.");
        }

        var customerId = tenant.StripeCustomerId ?? await EnsureCustomerAsync(tenantId, ct);
        var session = await provider.CreateCheckoutSessionAsync(new CheckoutSessionRequest(tenantId, customerId, tier, success, cancel), ct);
        logger.LogInformation("Started checkout {SessionId} for {Tier} for tenant {TenantId}", session.SessionId, planTier, tenantId);
        return session;
    }

    public async Task<string> CreatePortalAsync(Guid tenantId, string? returnUrl, CancellationToken ct)
    {
        var target = RedirectOrDefault("return_url", returnUrl, "/billing");
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        if (tenant.StripeCustomerId is not { } customerId)
            throw BillingException.Conflict("no_billing_account", "This tenant has no billing account yet; start with a checkout.");
        return await provider.CreatePortalSessionAsync(customerId, target, ct);
    }

    /// <summary>
    /// Creates the tenant's Stripe customer once. A transaction-scoped advisory lock on the tenant makes a
    /// second concurrent checkout wait and then find the stored customer; the deterministic idempotency key
    /// covers a crash between Stripe's answer and our commit.
    /// </summary>
    private async Task<string> EnsureCustomerAsync(Guid tenantId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", connection, tx))
        {
            lockCommand.Parameters.Add(new() { Value = tenantId.ToString() });
            await lockCommand.ExecuteNonQueryAsync(ct);
        }

        await using (var read = new NpgsqlCommand("SELECT stripe_customer_id FROM tenants WHERE id = $1", connection, tx))
        {
            read.Parameters.Add(new() { Value = tenantId });
            if (await read.ExecuteScalarAsync(ct) is string existing)
                return existing;
        }

        var customerId = await provider.CreateCustomerAsync(tenantId, ct);
        await using (var store = new NpgsqlCommand(
            "UPDATE tenants SET stripe_customer_id = $2, updated_at = now() WHERE id = $1 AND stripe_customer_id IS NULL", connection, tx))
        {
            store.Parameters.Add(new() { Value = tenantId });
            store.Parameters.Add(new() { Value = customerId });
            await store.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        logger.LogInformation("Created billing customer {CustomerId} for tenant {TenantId}", customerId, tenantId);
        return customerId;
    }

    /// <summary>A redirect must stay on the frontend's origin: anything else would make us an open redirect.</summary>
    private string RedirectOrDefault(string field, string? url, string defaultPath)
    {
        var frontend = new Uri(billing.Value.FrontendBaseUrl);
        if (string.IsNullOrEmpty(url))
            return new Uri(frontend, defaultPath).ToString();
        if (url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var target) ||
            !string.Equals(target.GetLeftPart(UriPartial.Authority), frontend.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase) ||
            !string.IsNullOrEmpty(target.UserInfo))
        {
            throw BillingException.Validation(field, $"must be an absolute URL on {frontend.GetLeftPart(UriPartial.Authority)}");
        }
        return url;
    }

    private static string WithSessionId(string successUrl) =>
        successUrl.Contains(SessionIdPlaceholder, StringComparison.Ordinal) ? successUrl
        : successUrl + (successUrl.Contains('?') ? "&" : "?") + "session_id=" + SessionIdPlaceholder;
}
