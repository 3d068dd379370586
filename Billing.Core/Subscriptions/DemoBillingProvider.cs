using Billing.Core.Stripe;
using Billing.Core.Usage;
using Billing.Core.Webhooks;
using System.Text.Json.Nodes;
using EventTypes = Stripe.EventTypes;

namespace Billing.Core.Subscriptions;

/// <summary>
/// Demo mode: no Stripe calls. A checkout, a plan change, a scheduled downgrade, a cancel or a resume puts the
/// events Stripe would send onto the real queue, where the real applier consumes them, so demo mode exercises the
/// same pipeline; ids start with <c>demo_</c>. The portal sends the user straight back; invoices are made up from
/// the demo subscription.
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
        var trialEnd = request.TrialDays is { } days ? now.AddDays(days) : (DateTimeOffset?)null;
        var periodEnd = request.Interval == BillingInterval.Year ? now.AddYears(1) : now.AddMonths(1);
        var created = Subscription(new TenantSubscription(request.TenantId, subscriptionId, request.CustomerId, request.Tier, request.Interval,
            trialEnd is null ? SubscriptionStatuses.Active : SubscriptionStatuses.Trialing, new BillingPeriod(now, periodEnd),
            false, trialEnd, null, now, request.Currency), request.Tier);

        await queue.SendAsync(Event(EventTypes.CheckoutSessionCompleted, completed, now), ct);
        await queue.SendAsync(Event(EventTypes.CustomerSubscriptionCreated, created, now), ct);
        logger.LogInformation("Demo checkout {SessionId} queued a {Tier} subscription for tenant {TenantId}",
            sessionId, WireNames.Of(request.Tier), request.TenantId);
        return new CheckoutSessionCreated(sessionId, request.SuccessUrl.Replace(CheckoutService.SessionIdPlaceholder, sessionId, StringComparison.Ordinal));
    }

    public Task<string> CreatePortalSessionAsync(string customerId, string returnUrl, PortalFlow flow, CancellationToken ct) =>
        Task.FromResult(returnUrl);

    /// <summary>
    /// No Stripe to ask: the demo prorates the price difference over the rest of the period by the day, and the
    /// next invoice is the new plan's catalogue price. (With Stripe both come from its invoice preview.)
    /// </summary>
    public Task<ChangeAmounts> PreviewChangeAsync(TenantSubscription subscription, PlanTier target, DateTimeOffset? prorationDate, CancellationToken ct)
    {
        // The amounts in the subscription's own currency and the interval the tenant pays by, as Stripe's preview would give them.
        var (interval, currency) = (subscription.Interval, subscription.Currency);
        var from = PlanCatalog.For(subscription.Tier).PriceFor(interval, currency)?.Amount ?? 0;
        var to = PlanCatalog.For(target).PriceFor(interval, currency)?.Amount ?? 0;
        long now = 0;
        if (prorationDate is { } at && subscription.Status != SubscriptionStatuses.Trialing)
        {
            var left = Math.Clamp((subscription.Period.End - at) / (subscription.Period.End - subscription.Period.Start), 0, 1);
            now = Math.Max(0, (long)Math.Round((to - from) * left));
        }
        return Task.FromResult(new ChangeAmounts(now, to, currency));
    }

    /// <summary>The demo payment always goes through: the new price and its paid invoice go on the queue.</summary>
    public async Task<PriceChange> ChangePriceNowAsync(TenantSubscription subscription, PlanTier target, DateTimeOffset prorationDate, string idempotencyKey, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await queue.SendAsync(Event(EventTypes.CustomerSubscriptionUpdated, Subscription(subscription, target), now), ct);
        await queue.SendAsync(Event(EventTypes.InvoicePaid, new JsonObject
        {
            ["id"] = $"in_demo_{Guid.NewGuid():N}", ["object"] = "invoice", ["customer"] = subscription.CustomerId, ["status"] = "paid",
            ["parent"] = new JsonObject
            {
                ["type"] = "subscription_details",
                ["subscription_details"] = new JsonObject { ["subscription"] = subscription.SubscriptionId, ["metadata"] = Metadata(subscription.TenantId) },
            },
        }, now), ct);
        logger.LogInformation("Demo change of {SubscriptionId} to {Tier} queued", subscription.SubscriptionId, WireNames.Of(target));
        return new PriceChange(null);
    }

    /// <summary>A demo schedule whose next phase starts at the period's end (the demo never reaches it: no clock moves it there).</summary>
    public async Task<DateTimeOffset> ScheduleChangeAsync(TenantSubscription subscription, PlanTier target, string idempotencyKey, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var scheduleId = subscription.ScheduleId ?? $"demo_sub_sched_{Guid.CreateVersion7(now):N}";
        await queue.SendAsync(Event(subscription.ScheduleId is null ? EventTypes.SubscriptionScheduleCreated : EventTypes.SubscriptionScheduleUpdated,
            Schedule(subscription, scheduleId, "active", target, now), now), ct);
        return subscription.Period.End;
    }

    public async Task ReleaseScheduleAsync(TenantSubscription subscription, string idempotencyKey, CancellationToken ct)
    {
        if (subscription.ScheduleId is not { } scheduleId) return;
        var now = clock.GetUtcNow();
        await queue.SendAsync(Event(EventTypes.SubscriptionScheduleReleased, Schedule(subscription, scheduleId, "released", null, now), now), ct);
    }

    public async Task<DateTimeOffset?> SetCancelAtPeriodEndAsync(TenantSubscription subscription, bool cancel, string idempotencyKey, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await queue.SendAsync(Event(EventTypes.CustomerSubscriptionUpdated, Subscription(subscription with { CancelAtPeriodEnd = cancel }, subscription.Tier), now), ct);
        return cancel ? subscription.Period.End : null;
    }

    private static JsonObject Metadata(Guid tenantId) => new() { ["tenant_id"] = tenantId.ToString() };

    /// <summary>The subscription object Stripe would send, at <paramref name="tier"/>'s price for the interval the tenant pays by.</summary>
    private JsonObject Subscription(TenantSubscription s, PlanTier tier) => new()
    {
        ["id"] = s.SubscriptionId, ["object"] = "subscription", ["customer"] = s.CustomerId, ["status"] = s.Status, ["currency"] = s.Currency,
        ["created"] = (s.StripeCreatedAt ?? s.Period.Start).ToUnixTimeSeconds(),
        ["cancel_at_period_end"] = s.CancelAtPeriodEnd,
        ["cancel_at"] = s.CancelAtPeriodEnd ? s.Period.End.ToUnixTimeSeconds() : null,
        ["trial_end"] = s.TrialEnd?.ToUnixTimeSeconds(),
        ["schedule"] = s.ScheduleId,
        ["metadata"] = Metadata(s.TenantId),
        ["items"] = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = $"demo_si_{s.SubscriptionId}", ["object"] = "subscription_item", ["quantity"] = 1,
                ["price"] = new JsonObject { ["id"] = options.Value.PriceFor(tier, s.Interval), ["object"] = "price" },
                ["current_period_start"] = s.Period.Start.ToUnixTimeSeconds(),
                ["current_period_end"] = s.Period.End.ToUnixTimeSeconds(),
            }),
        },
    };

    /// <summary>A subscription schedule as Stripe shows one made by <see cref="ScheduleChangeAsync"/>: this period, then <paramref name="next"/>.</summary>
    private JsonObject Schedule(TenantSubscription s, string scheduleId, string status, PlanTier? next, DateTimeOffset now)
    {
        JsonObject Phase(PlanTier tier, DateTimeOffset start, DateTimeOffset end) => new()
        {
            ["start_date"] = start.ToUnixTimeSeconds(), ["end_date"] = end.ToUnixTimeSeconds(),
            ["items"] = new JsonArray(new JsonObject { ["price"] = options.Value.PriceFor(tier, s.Interval), ["quantity"] = 1 }),
        };
        return new JsonObject
        {
            ["id"] = scheduleId, ["object"] = "subscription_schedule", ["status"] = status, ["created"] = now.ToUnixTimeSeconds(),
            ["customer"] = s.CustomerId, ["subscription"] = s.SubscriptionId, ["end_behavior"] = "release",
            ["metadata"] = Metadata(s.TenantId),
            ["current_phase"] = status == "active"
                ? new JsonObject { ["start_date"] = s.Period.Start.ToUnixTimeSeconds(), ["end_date"] = s.Period.End.ToUnixTimeSeconds() }
                : null,
            ["phases"] = next is { } tier
                ? new JsonArray(Phase(s.Tier, s.Period.Start, s.Period.End), Phase(tier, s.Period.End, s.Period.End.AddMonths(1)))
                : new JsonArray(),
        };
    }

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
        // In the currency the tenant's subscription bills in (a demo checkout in won gives invoices in won).
        var currency = tenant.Currency ?? Currencies.Usd;
        var price = plan.PriceFor(yearly ? BillingInterval.Year : BillingInterval.Month, currency)?.Amount ?? 0;
        var all = Enumerable.Range(0, 12)
            .Select(i => yearly ? subscribed.AddYears(-i) : start.AddMonths(-i))
            .Where(periodStart => periodStart >= subscribed)
            .Select(periodStart => new InvoiceSummary(
                $"in_demo_{tenant.Id:N}_{periodStart:yyyyMM}", $"DEMO-{periodStart:yyyyMM}", "paid", price, price,
                currency, periodStart, periodStart, yearly ? periodStart.AddYears(1) : periodStart.AddMonths(1), null, null))
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
    /// There is no Stripe to ask. A demo checkout never ties (its two events differ in rank); two demo updates of
    /// one second can, and then the larger event id wins, which for demo ids (time-ordered) is the later one.
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
        // Time-ordered ids: two demo updates of one second tie, and the larger id (the later one) wins the tie.
        ["id"] = $"demo_evt_{Guid.CreateVersion7(now):N}",
        ["object"] = "event",
        ["api_version"] = global::Stripe.StripeConfiguration.ApiVersion,
        ["created"] = now.ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["type"] = type,
        ["data"] = new JsonObject { ["object"] = obj },
    }.ToJsonString();
}
