using Billing.Core.Plans;
using Billing.Core.Stripe;
using Billing.Core.Tenants;
using Billing.Core.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using System.Text.Json.Nodes;
using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Subscriptions;

/// <summary>
/// Demo mode (DESIGN.md section 11): no Stripe calls. A checkout puts the two events Stripe would send onto
/// the real queue, where the real applier consumes them, so demo mode exercises the same pipeline; ids start
/// with <c>demo_</c>. The portal sends the user straight back; invoices are made up from the demo subscription.
/// </summary>
public sealed class DemoBillingProvider(StripeEventQueue queue, IOptions<StripeOptions> options, TimeProvider clock, ILogger<DemoBillingProvider> logger) : IBillingProvider
{
    public bool IsDemo => true;

    public Task<string> CreateCustomerAsync(Guid tenantId, CancellationToken ct) =>
        Task.FromResult($"demo_cus_{tenantId:N}");

    public async Task<CheckoutSessionCreated> CreateCheckoutSessionAsync(CheckoutSessionRequest request, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var sessionId = $"demo_cs_{Guid.NewGuid():N}";
        // A version-7 UUID carries its creation time: the demo invoices start from it (see StartedAt).
        var subscriptionId = DemoSubscriptionPrefix + Guid.CreateVersion7(now).ToString("N");
        var metadata = () => new JsonObject { ["tenant_id"] = request.TenantId.ToString() };

        var completed = new JsonObject
        {
            ["id"] = sessionId, ["object"] = "checkout.session", ["mode"] = "subscription", ["status"] = "complete",
            ["client_reference_id"] = request.TenantId.ToString(), ["customer"] = request.CustomerId,
            ["subscription"] = subscriptionId, ["metadata"] = metadata(),
        };
        var created = new JsonObject
        {
            ["id"] = subscriptionId, ["object"] = "subscription", ["customer"] = request.CustomerId, ["status"] = "active",
            ["created"] = now.ToUnixTimeSeconds(),
            ["cancel_at_period_end"] = false, ["metadata"] = metadata(),
            ["items"] = new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"demo_si_{Guid.NewGuid():N}", ["object"] = "subscription_item", ["quantity"] = 1,
                    ["price"] = new JsonObject { ["id"] = options.Value.PriceFor(request.Tier, request.Interval), ["object"] = "price" },
                    ["current_period_start"] = now.ToUnixTimeSeconds(),
                    ["current_period_end"] = (request.Interval == BillingInterval.Year ? now.AddYears(1) : now.AddMonths(1)).ToUnixTimeSeconds(),
                }),
            },
        };

        await queue.SendAsync(Event(EventTypes.CheckoutSessionCompleted, completed, now), ct);
        await queue.SendAsync(Event(EventTypes.CustomerSubscriptionCreated, created, now), ct);
        logger.LogInformation("Demo checkout {SessionId} queued a {Tier} subscription for tenant {TenantId}",
            sessionId, WireNames.Of(request.Tier), request.TenantId);
        return new CheckoutSessionCreated(sessionId, request.SuccessUrl.Replace(CheckoutService.SessionIdPlaceholder, sessionId, StringComparison.Ordinal));
    }

    public Task<string> CreatePortalSessionAsync(string customerId, string returnUrl, CancellationToken ct) =>
        Task.FromResult(returnUrl);

    private const string DemoSubscriptionPrefix = "demo_sub_";

    /// <summary>
    /// One paid invoice per month of the demo subscription, newest first, paged like Stripe; never one dated
    /// before the subscription started (without a start in its id, only the current period's).
    /// </summary>
    public Task<InvoicePage> ListInvoicesAsync(Tenant tenant, int limit, string? startingAfter, CancellationToken ct)
    {
        if (tenant.StripeCustomerId is null || tenant.PlanTier == PlanTier.Free || tenant.BillingPeriodStart is not { } start)
            return Task.FromResult(new InvoicePage([], false));

        // Stripe periods are whole seconds; the id's time has milliseconds.
        var subscribed = StartedAt(tenant.StripeSubscriptionId) is { } at ? at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond)) : start;
        var plan = PlanCatalog.For(tenant.PlanTier);
        // A yearly subscriber is invoiced once a year, at the start of its Stripe year; its usage period is a month of it.
        var yearly = tenant.BillingInterval == BillingInterval.Year;
        var price = plan.PriceFor(yearly ? BillingInterval.Year : BillingInterval.Month)?.Amount ?? 0;
        var all = Enumerable.Range(0, 12)
            .Select(i => yearly ? subscribed.AddYears(-i) : start.AddMonths(-i))
            .Where(periodStart => periodStart >= subscribed)
            .Select(periodStart => new InvoiceSummary(
                $"in_demo_{tenant.Id:N}_{periodStart:yyyyMM}", $"DEMO-{periodStart:yyyyMM}", "paid", price, price,
                plan.Currency, periodStart, periodStart, yearly ? periodStart.AddYears(1) : periodStart.AddMonths(1), null, null))
            .ToList();
        var after = startingAfter is null ? 0 : all.FindIndex(i => i.Id == startingAfter) + 1;
        var page = all.Skip(after).Take(limit).ToList();
        return Task.FromResult(new InvoicePage(page, after + page.Count < all.Count));
    }

    /// <summary>When a demo subscription was created, read from its id; null for any other id.</summary>
    internal static DateTimeOffset? StartedAt(string? subscriptionId)
    {
        if (subscriptionId is null || !subscriptionId.StartsWith(DemoSubscriptionPrefix, StringComparison.Ordinal) ||
            !Guid.TryParseExact(subscriptionId[DemoSubscriptionPrefix.Length..], "N", out var id) || id.Version != 7)
            return null;
        var bytes = id.ToByteArray(bigEndian: true);
        var unixMilliseconds = 0L;
        for (var i = 0; i < 6; i++) unixMilliseconds = (unixMilliseconds << 8) | bytes[i];
        return DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);
    }

    /// <summary>A demo session completes the moment it is created (its events are already on the queue).</summary>
    public Task<CheckoutSessionState> ExpireCheckoutSessionAsync(string sessionId, CancellationToken ct) =>
        Task.FromResult(new CheckoutSessionState(CheckoutSessionStatuses.Complete, null));

    /// <summary>
    /// There is no Stripe to ask. No tie can arise here anyway: a demo checkout sends one
    /// <c>checkout.session.completed</c> and one <c>customer.subscription.created</c>, which differ in rank.
    /// </summary>
    public Task<string?> GetSubscriptionJsonAsync(string subscriptionId, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>Nothing to reconcile against: the demo subscriptions exist only in our own tables, which are right by definition.</summary>
    public async IAsyncEnumerable<SubscriptionSnapshot> ListSubscriptionsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await Task.CompletedTask;
        yield break;
    }

    private static string Event(string type, JsonObject obj, DateTimeOffset now) => new JsonObject
    {
        ["id"] = $"demo_evt_{Guid.NewGuid():N}",
        ["object"] = "event",
        ["api_version"] = global::Stripe.StripeConfiguration.ApiVersion,
        ["created"] = now.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["type"] = type,
        ["data"] = new JsonObject { ["object"] = obj },
    }.ToJsonString();
}
