using Billing.Core.Stripe;

namespace Billing.Core.Subscriptions;

/// <summary>
/// Checkout and the billing portal (docs/webhooks-and-usage.md#checkout): who may start a checkout, where the user may be
/// sent back to, and one Stripe customer per tenant however many checkouts race.
/// </summary>
public sealed class CheckoutService(
    NpgsqlDataSource db, TenantDirectory tenants, IBillingProvider provider, IOptions<BillingOptions> billing, IOptions<StripeOptions> stripe,
    ILogger<CheckoutService> logger)
{
    /// <summary>Stripe replaces this in the success URL with the session's id.</summary>
    public const string SessionIdPlaceholder = "{CHECKOUT_SESSION_ID}";

    public const string PlanTierRule = "must be pro or enterprise";
    public const string PortalFlowRule = "must be update_payment_method, or left out for the portal's home page";
    public const string RedirectUrlRule = "must be an absolute URL on the frontend's origin (FRONTEND_BASE_URL)";
    public const string IntervalRule = "must be month or year";
    public const string LocaleRule = "must be en or ko";
    public const string CurrencyRule = Currencies.Rule;

    /// <summary>The languages of the pages; Checkout opens in the one the page was in.</summary>
    public static readonly IReadOnlyList<string> Locales = ["en", "ko"];

    public async Task<CheckoutSessionCreated> CreateCheckoutAsync(Guid tenantId, CheckoutChoice choice, CancellationToken ct)
    {
        var (planTier, successUrl, cancelUrl) = (choice.PlanTier, choice.SuccessUrl, choice.CancelUrl);
        if (string.IsNullOrEmpty(planTier))
            throw BillingException.Validation("plan_tier", "is required: pro or enterprise");
        if (!WireNames.TryParseTier(planTier, out var tier) || tier == PlanTier.Free)
            throw BillingException.Validation("plan_tier", PlanTierRule + "; the free plan needs no checkout");
        var interval = BillingInterval.Month;
        if (choice.Interval is not null && !WireNames.TryParseInterval(choice.Interval, out interval))
            throw BillingException.Validation("interval", IntervalRule);
        if (stripe.Value.PriceFor(tier, interval) is null)
            throw BillingException.Validation("interval", $"{choice.Interval} is not offered for {planTier}: GET /plans lists the prices there are");
        if (choice.Locale is not null && !Locales.Contains(choice.Locale))
            throw BillingException.Validation("locale", LocaleRule);
        if (choice.Currency is not null && !Currencies.IsOffered(choice.Currency))
            throw BillingException.Validation("currency", CurrencyRule);
        var success = WithSessionId(RedirectOrDefault("success_url", successUrl, "/en/billing/success/"));
        var cancel = RedirectOrDefault("cancel_url", cancelUrl, "/en/billing/canceled/");

        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        if (tenant.PlanTier != PlanTier.Free && SubscriptionStatuses.IsLive(tenant.SubscriptionStatus))
        {
            throw BillingException.Conflict("already_subscribed",
                "This tenant already has a paid subscription; change plans with POST /subscription/change.");
        }
        // A subscription that has not ended (its checkout completed but its state is still on the way, or it waits
        // for payment, or it is paused) would become a second one: finish or cancel it first.
        if (await HasSubscriptionNotEndedAsync(tenantId, ct))
        {
            throw BillingException.Conflict("already_subscribed",
                "This tenant has a subscription that is being set up or waits for payment; finish or cancel it through the billing portal.");
        }

        var currency = CurrencyFor(tenant, choice.Currency);

        var customerId = tenant.StripeCustomerId ?? await EnsureCustomerAsync(tenantId, ct);
        // A trial is for a tenant's first subscription only.
        int? trialDays = stripe.Value.TrialDays > 0 && !await HadSubscriptionAsync(tenantId, ct) ? stripe.Value.TrialDays : null;
        var session = await OpenOnlySessionAsync(
            new CheckoutSessionRequest(tenantId, customerId, tier, success, cancel, interval, choice.Locale, trialDays, currency), ct);
        logger.LogInformation("Started checkout {SessionId} for {Tier} ({Interval}ly, {Currency}) for tenant {TenantId}",
            session.SessionId, planTier, WireNames.Of(interval), currency, tenantId);
        return session;
    }

    /// <summary>
    /// The currency a checkout charges in: the one asked for, else the one the tenant already pays in, else USD. Stripe
    /// keeps a customer on the currency of its first subscription and refuses another, so asking for another is a 409
    /// that names the tenant's currency.
    /// </summary>
    private static string CurrencyFor(Tenant tenant, string? asked)
    {
        if (tenant.Currency is { } paysIn && asked is not null && asked != paysIn)
        {
            throw new BillingException(ErrorKind.Conflict, "currency_mismatch",
                $"This tenant pays in {paysIn.ToUpperInvariant()}, and Stripe keeps a customer on one currency: check out in {paysIn}, not {asked}.",
                new Dictionary<string, object?> { ["currency"] = paysIn });
        }
        return asked ?? tenant.Currency ?? Plan.DefaultCurrency;
    }

    public async Task<string> CreatePortalAsync(Guid tenantId, string? returnUrl, string? flow, CancellationToken ct)
    {
        var portalFlow = flow switch
        {
            null => PortalFlow.Home,
            "update_payment_method" => PortalFlow.UpdatePaymentMethod,
            _ => throw BillingException.Validation("flow", PortalFlowRule),
        };
        var target = RedirectOrDefault("return_url", returnUrl, "/en/billing/");
        var tenant = await tenants.GetOrCreateAsync(tenantId, ct);
        if (tenant.StripeCustomerId is not { } customerId)
            throw BillingException.Conflict("no_billing_account", "This tenant has no billing account yet; start with a checkout.");
        return await provider.CreatePortalSessionAsync(customerId, target, portalFlow, ct);
    }

    /// <summary>
    /// Creates a Checkout Session and makes it the tenant's only open one: the one before it is expired in
    /// Stripe first, so two tabs or a double click can never both be paid. If that earlier session was paid
    /// meanwhile, the tenant is subscribing already (409). The swap is a compare-and-set on
    /// <c>open_checkout_sessions</c>; a checkout racing this one makes it retry against the newer session.
    /// No database connection is held while Stripe answers.
    /// </summary>
    private async Task<CheckoutSessionCreated> OpenOnlySessionAsync(CheckoutSessionRequest request, CancellationToken ct)
    {
        var previous = await OpenSessionAsync(request.TenantId, ct);
        CheckoutSessionCreated? created = null;
        for (var attempt = 0; attempt < MaxSessionSwaps; attempt++)
        {
            if (previous is not null)
            {
                var before = await provider.ExpireCheckoutSessionAsync(previous, ct);
                // Only a session that can no longer be paid lets a new one open: expired, or paid for a subscription that has since ended.
                var closed = before.Status == CheckoutSessionStatuses.Expired
                             || (before.Status == CheckoutSessionStatuses.Complete && await HasEndedAsync(before.SubscriptionId, ct));
                if (!closed)
                {
                    if (created is not null) await provider.ExpireCheckoutSessionAsync(created.SessionId, ct);
                    throw before.Status == CheckoutSessionStatuses.Complete
                        ? BillingException.Conflict("already_subscribed", "A checkout of this tenant has just been paid; the subscription appears within moments.")
                        : BillingException.Conflict("checkout_in_progress", "A payment of this tenant's earlier checkout is in progress; try again in a moment.");
                }
            }
            created ??= await provider.CreateCheckoutSessionAsync(request, ct);
            if (await SwapOpenSessionAsync(request.TenantId, previous, created.SessionId, ct))
            {
                if (previous is not null)
                    logger.LogInformation("Expired checkout {PreviousSessionId} of tenant {TenantId}: {SessionId} replaces it",
                        previous, request.TenantId, created.SessionId);
                return created;
            }
            previous = await OpenSessionAsync(request.TenantId, ct);
        }
        await provider.ExpireCheckoutSessionAsync(created!.SessionId, ct);
        throw BillingException.Conflict("checkout_in_progress", "Another checkout of this tenant is being started; try again in a moment.");
    }

    private const int MaxSessionSwaps = 3;

    private async Task<string?> OpenSessionAsync(Guid tenantId, CancellationToken ct)
    {
        await using var read = db.CreateCommand("SELECT session_id FROM open_checkout_sessions WHERE tenant_id = $1");
        read.Parameters.Add(new() { Value = tenantId });
        return await read.ExecuteScalarAsync(ct) as string;
    }

    private async Task<bool> SwapOpenSessionAsync(Guid tenantId, string? previous, string sessionId, CancellationToken ct)
    {
        await using var swap = db.CreateCommand(previous is null
            ? "INSERT INTO open_checkout_sessions (tenant_id, session_id, created_at) VALUES ($1, $2, now()) ON CONFLICT (tenant_id) DO NOTHING"
            : "UPDATE open_checkout_sessions SET session_id = $2, created_at = now() WHERE tenant_id = $1 AND session_id = $3");
        swap.Parameters.Add(new() { Value = tenantId });
        swap.Parameters.Add(new() { Value = sessionId });
        if (previous is not null) swap.Parameters.Add(new() { Value = previous });
        return await swap.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// A paid session whose subscription has since ended no longer blocks a new checkout (its completion webhook
    /// may never have reached us to clear it); one whose subscription we have not seen end does.
    /// </summary>
    private async Task<bool> HasSubscriptionNotEndedAsync(Guid tenantId, CancellationToken ct)
    {
        await using var read = db.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM subscriptions WHERE tenant_id = $1 AND NOT ended AND (status IS NOT NULL OR checkout_session_id IS NOT NULL))");
        read.Parameters.Add(new() { Value = tenantId });
        return await read.ExecuteScalarAsync(ct) is true;
    }

    private async Task<bool> HadSubscriptionAsync(Guid tenantId, CancellationToken ct)
    {
        await using var read = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM subscriptions WHERE tenant_id = $1)");
        read.Parameters.Add(new() { Value = tenantId });
        return await read.ExecuteScalarAsync(ct) is true;
    }

    private async Task<bool> HasEndedAsync(string? subscriptionId, CancellationToken ct)
    {
        if (subscriptionId is null) return false;
        await using var read = db.CreateCommand("SELECT ended FROM subscriptions WHERE id = $1");
        read.Parameters.Add(new() { Value = subscriptionId });
        return await read.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>
    /// Creates the tenant's Stripe customer once without holding anything while Stripe answers: every
    /// racing checkout asks Stripe under the same idempotency key (so Stripe makes one customer), and the
    /// link is conditional (<c>WHERE stripe_customer_id IS NULL</c>), so the first link wins and every caller
    /// then uses the stored one.
    /// </summary>
    private async Task<string> EnsureCustomerAsync(Guid tenantId, CancellationToken ct)
    {
        var created = await provider.CreateCustomerAsync(tenantId, ct);
        await using var link = db.CreateCommand(
            """
            WITH linked AS (
                UPDATE tenants SET stripe_customer_id = $2, updated_at = now() WHERE id = $1 AND stripe_customer_id IS NULL
                RETURNING stripe_customer_id)
            SELECT stripe_customer_id FROM linked
            UNION ALL
            SELECT stripe_customer_id FROM tenants WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM linked)
            """);
        link.Parameters.Add(new() { Value = tenantId });
        link.Parameters.Add(new() { Value = created });
        var stored = await link.ExecuteScalarAsync(ct) as string
                     ?? throw new InvalidOperationException($"Tenant {tenantId} has no row to link customer {created} to.");
        if (stored == created)
            logger.LogInformation("Linked billing customer {CustomerId} to tenant {TenantId}", created, tenantId);
        else
            logger.LogWarning("Tenant {TenantId} is linked to customer {CustomerId}; customer {UnusedCustomerId} from Stripe is unused",
                tenantId, stored, created);
        return stored;
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

/// <summary>What the buyer chose on the pricing page; <see cref="Interval"/> defaults to month, <see cref="Currency"/> to the tenant's (else usd).</summary>
public sealed record CheckoutChoice(string? PlanTier, string? SuccessUrl, string? CancelUrl, string? Interval = null, string? Locale = null, string? Currency = null);
