using BillingInterval = Billing.Core.Plans.BillingInterval;
using PlanTier = Billing.Core.Plans.PlanTier;
using Billing.Core.Subscriptions;
using Stripe;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Billing.Core.Stripe;

/// <summary>
/// The app's calls to Stripe, through Stripe.net and <see cref="StripeCalls"/> (the one way a Stripe call is made:
/// every create carries an idempotency key, transient failures are retried under it). <see cref="StripeSetup"/>
/// is the operator's side of the same Stripe place.
/// </summary>
public sealed class StripeBillingProvider(IStripeClient stripe, IOptions<StripeOptions> options, TimeProvider clock, StripeCalls calls) : IBillingProvider
{
    public const int MaxAttempts = StripeCalls.MaxAttempts;

    public bool IsDemo => false;

    public Task<string> CreateCustomerAsync(Guid tenantId, CancellationToken ct) =>
        CallAsync("create customer", $"customer-{tenantId}", async request =>
            (await new CustomerService(stripe).CreateAsync(new CustomerCreateOptions
            {
                Description = $"LogiNexus tenant {tenantId}",
                Metadata = new Dictionary<string, string> { ["tenant_id"] = tenantId.ToString() },
            }, request, ct)).Id, ct);

    public Task<CheckoutSessionCreated> CreateCheckoutSessionAsync(CheckoutSessionRequest request, CancellationToken ct) =>
        CallAsync("create checkout session", $"checkout-{request.TenantId}-{Guid.NewGuid():N}", async requestOptions =>
        {
            var metadata = new Dictionary<string, string> { ["tenant_id"] = request.TenantId.ToString() };
            var settings = options.Value;
            var session = await new global::Stripe.Checkout.SessionService(stripe).CreateAsync(new global::Stripe.Checkout.SessionCreateOptions
            {
                Mode = "subscription",
                Customer = request.CustomerId,
                ClientReferenceId = request.TenantId.ToString(),
                LineItems = [new() { Price = settings.PriceFor(request.Tier, request.Interval), Quantity = 1 }],
                // One of the price's currencies (its default or a currency_options entry): the subscription bills in it.
                Currency = request.Currency,
                SubscriptionData = new()
                {
                    Metadata = metadata,
                    TrialPeriodDays = request.TrialDays,
                    // A trial that ends without a card on file ends the subscription instead of leaving it unpaid.
                    TrialSettings = request.TrialDays is null ? null : new() { EndBehavior = new() { MissingPaymentMethod = "cancel" } },
                },
                Metadata = metadata,
                SuccessUrl = request.SuccessUrl,
                CancelUrl = request.CancelUrl,
                Locale = request.Locale,
                AllowPromotionCodes = settings.AllowPromotionCodes ? true : null,
                // Stripe Tax needs the buyer's address: asked for on the page and saved on the customer.
                AutomaticTax = settings.AutomaticTax ? new() { Enabled = true } : null,
                BillingAddressCollection = settings.AutomaticTax ? "required" : null,
                TaxIdCollection = settings.TaxIdCollection ? new() { Enabled = true } : null,
                CustomerUpdate = settings.AutomaticTax || settings.TaxIdCollection
                    ? new() { Address = settings.AutomaticTax ? "auto" : null, Name = settings.TaxIdCollection ? "auto" : null }
                    : null,
            }, requestOptions, ct);
            return new CheckoutSessionCreated(session.Id, session.Url);
        }, ct);

    public Task<string> CreatePortalSessionAsync(string customerId, string returnUrl, PortalFlow flow, CancellationToken ct) =>
        CallAsync("create portal session", $"portal-{customerId}-{Guid.NewGuid():N}", async request =>
            (await new global::Stripe.BillingPortal.SessionService(stripe).CreateAsync(new global::Stripe.BillingPortal.SessionCreateOptions
            {
                Customer = customerId,
                ReturnUrl = returnUrl,
                Configuration = options.Value.PortalConfiguration is { Length: > 0 } configuration ? configuration : null,
                FlowData = flow == PortalFlow.UpdatePaymentMethod ? new() { Type = "payment_method_update" } : null,
            }, request, ct)).Url, ct);

    public async Task<ChangeAmounts> PreviewChangeAsync(TenantSubscription subscription, PlanTier target, DateTimeOffset? prorationDate, CancellationToken ct)
    {
        var item = await ItemAsync(subscription.SubscriptionId, ct);
        // The invoice the change makes now (prorations, invoiced at once), then the first one at the new price.
        var now = prorationDate is { } at ? await PreviewAsync(subscription, item, target, "always_invoice", at, ct) : null;
        var next = await PreviewAsync(subscription, item, target, "none", null, ct);
        return new ChangeAmounts(now?.AmountDue ?? 0, next.AmountDue, next.Currency);
    }

    private Task<Invoice> PreviewAsync(TenantSubscription subscription, SubscriptionItem item, PlanTier target, string proration, DateTimeOffset? prorationDate, CancellationToken ct) =>
        CallAsync("preview invoice", null, request => new InvoiceService(stripe).CreatePreviewAsync(new InvoiceCreatePreviewOptions
        {
            Customer = subscription.CustomerId,
            Subscription = subscription.SubscriptionId,
            SubscriptionDetails = new InvoiceSubscriptionDetailsOptions
            {
                Items = [new InvoiceSubscriptionDetailsItemOptions { Id = item.Id, Price = options.Value.PriceFor(target, IntervalOf(item)) }],
                ProrationBehavior = proration,
                ProrationDate = prorationDate?.UtcDateTime,
            },
        }, request, ct), ct);

    public async Task<PriceChange> ChangePriceNowAsync(TenantSubscription subscription, PlanTier target, DateTimeOffset prorationDate, string idempotencyKey, CancellationToken ct)
    {
        var item = await ItemAsync(subscription.SubscriptionId, ct);
        var updated = await CallAsync("change subscription price", idempotencyKey, request =>
            new global::Stripe.SubscriptionService(stripe).UpdateAsync(subscription.SubscriptionId, new SubscriptionUpdateOptions
            {
                Items = [new SubscriptionItemOptions { Id = item.Id, Price = options.Value.PriceFor(target, IntervalOf(item)) }],
                ProrationBehavior = "always_invoice",
                ProrationDate = prorationDate.UtcDateTime,
                // A declined card or a 3-D Secure step leaves the price as it was until the invoice is paid.
                PaymentBehavior = "pending_if_incomplete",
                Expand = ["latest_invoice"],
            }, request, ct), ct);
        return new PriceChange(updated.PendingUpdate is null ? null : updated.LatestInvoice?.HostedInvoiceUrl);
    }

    public async Task<DateTimeOffset> ScheduleChangeAsync(TenantSubscription subscription, PlanTier target, string idempotencyKey, CancellationToken ct)
    {
        var schedules = new SubscriptionScheduleService(stripe);
        var current = await CallAsync("retrieve subscription", null, request =>
            new global::Stripe.SubscriptionService(stripe).GetAsync(subscription.SubscriptionId, null, request, ct), ct);
        // Stripe takes no phases with from_subscription: make the schedule from the subscription, then give it its phases.
        var schedule = current.ScheduleId is { } existing
            ? await CallAsync("retrieve subscription schedule", null, request => schedules.GetAsync(existing, null, request, ct), ct)
            : await CallAsync("create subscription schedule", idempotencyKey + "-schedule", request =>
                schedules.CreateAsync(new SubscriptionScheduleCreateOptions { FromSubscription = subscription.SubscriptionId }, request, ct), ct);
        var phase = schedule.CurrentPhase ?? throw new InvalidOperationException($"Subscription schedule {schedule.Id} has no current phase.");
        var item = current.Items.Data[0];
        await CallAsync("schedule plan change", idempotencyKey + "-phases", request => schedules.UpdateAsync(schedule.Id, new SubscriptionScheduleUpdateOptions
        {
            EndBehavior = "release",
            Metadata = new Dictionary<string, string> { ["tenant_id"] = subscription.TenantId.ToString() },
            Phases =
            [
                new SubscriptionSchedulePhaseOptions
                {
                    Items = [new SubscriptionSchedulePhaseItemOptions { Price = item.Price.Id, Quantity = item.Quantity }],
                    StartDate = phase.StartDate,
                    EndDate = phase.EndDate,
                },
                new SubscriptionSchedulePhaseOptions
                {
                    Items = [new SubscriptionSchedulePhaseItemOptions { Price = options.Value.PriceFor(target, IntervalOf(item)), Quantity = item.Quantity }],
                    Duration = new SubscriptionSchedulePhaseDurationOptions { Interval = item.Price.Recurring?.Interval ?? "month", IntervalCount = item.Price.Recurring?.IntervalCount ?? 1 },
                    ProrationBehavior = "none",
                },
            ],
        }, request, ct), ct);
        return phase.EndDate is { } end ? ToUtc(end) : subscription.Period.End;
    }

    public async Task ReleaseScheduleAsync(TenantSubscription subscription, string idempotencyKey, CancellationToken ct)
    {
        var current = await CallAsync("retrieve subscription", null, request =>
            new global::Stripe.SubscriptionService(stripe).GetAsync(subscription.SubscriptionId, null, request, ct), ct);
        if (current.ScheduleId is not { } scheduleId) return; // released already: nothing is scheduled
        await CallAsync("release subscription schedule", idempotencyKey + "-release", request =>
            new SubscriptionScheduleService(stripe).ReleaseAsync(scheduleId, null, request, ct), ct);
    }

    public async Task<DateTimeOffset?> SetCancelAtPeriodEndAsync(TenantSubscription subscription, bool cancel, string idempotencyKey, CancellationToken ct)
    {
        var updated = await CallAsync(cancel ? "cancel subscription at period end" : "resume subscription", idempotencyKey, request =>
            new global::Stripe.SubscriptionService(stripe).UpdateAsync(subscription.SubscriptionId, new SubscriptionUpdateOptions
            {
                CancelAtPeriodEnd = cancel,
            }, request, ct), ct);
        return updated.CancelAt is { } at ? ToUtc(at) : cancel ? subscription.Period.End : null;
    }

    /// <summary>A plan change keeps the interval the tenant pays by: a yearly subscriber switches to the yearly price.</summary>
    private static BillingInterval IntervalOf(SubscriptionItem item) =>
        item.Price?.Recurring?.Interval == "year" ? BillingInterval.Year : BillingInterval.Month;

    /// <summary>The subscription's one item (our subscriptions have one price): what a price change replaces.</summary>
    private async Task<SubscriptionItem> ItemAsync(string subscriptionId, CancellationToken ct)
    {
        var subscription = await CallAsync("retrieve subscription", null, request =>
            new global::Stripe.SubscriptionService(stripe).GetAsync(subscriptionId, null, request, ct), ct);
        return subscription.Items?.Data.FirstOrDefault()
               ?? throw new InvalidOperationException($"Stripe shows subscription {subscriptionId} without items.");
    }

    public async Task<InvoicePage> ListInvoicesAsync(Tenant tenant, int limit, string? startingAfter, CancellationToken ct)
    {
        if (tenant.StripeCustomerId is null)
            return new InvoicePage([], false);
        var page = await CallAsync("list invoices", null, request => new InvoiceService(stripe).ListAsync(new InvoiceListOptions
        {
            Customer = tenant.StripeCustomerId,
            Limit = limit,
            StartingAfter = startingAfter,
        }, request, ct), ct);
        return new InvoicePage(page.Data.Select(i => new InvoiceSummary(
            i.Id, i.Number, i.Status, i.AmountDue, i.AmountPaid, i.Currency,
            ToUtc(i.Created), ToUtc(i.PeriodStart), ToUtc(i.PeriodEnd), i.HostedInvoiceUrl, i.InvoicePdf)).ToList(), page.HasMore);
    }

    public async Task<CheckoutSessionState> ExpireCheckoutSessionAsync(string sessionId, CancellationToken ct)
    {
        var sessions = new global::Stripe.Checkout.SessionService(stripe);
        try
        {
            var session = await CallAsync("retrieve checkout session", null, request => sessions.GetAsync(sessionId, null, request, ct), ct);
            if (session.Status != CheckoutSessionStatuses.Open)
                return new CheckoutSessionState(session.Status, session.SubscriptionId);
            try
            {
                session = await CallAsync("expire checkout session", $"expire-{sessionId}", request => sessions.ExpireAsync(sessionId, null, request, ct), ct);
            }
            catch (BillingException e) when (e.Code == "stripe_error")
            {
                // Stripe refuses to expire a session that stopped being open meanwhile (paid a moment ago): ask what it is now.
                session = await CallAsync("retrieve checkout session", null, request => sessions.GetAsync(sessionId, null, request, ct), ct);
            }
            return new CheckoutSessionState(session.Status, session.SubscriptionId);
        }
        catch (BillingException e) when (e.InnerException is StripeException { HttpStatusCode: HttpStatusCode.NotFound })
        {
            // Gone from Stripe (another account or a wiped test mode): it can no longer be paid either.
            return new CheckoutSessionState(CheckoutSessionStatuses.Expired, null);
        }
    }

    public async Task<string?> GetSubscriptionJsonAsync(string subscriptionId, CancellationToken ct)
    {
        Subscription subscription;
        try
        {
            subscription = await CallAsync("retrieve subscription", null, request =>
                new global::Stripe.SubscriptionService(stripe).GetAsync(subscriptionId, null, request, ct), ct);
        }
        catch (BillingException e) when (e.InnerException is StripeException { HttpStatusCode: HttpStatusCode.NotFound })
        {
            return null; // Stripe does not know it: nothing better to go by than the events themselves
        }
        return subscription.StripeResponse?.Content
               ?? throw new InvalidOperationException($"Stripe.net returned subscription {subscriptionId} without its response body.");
    }

    /// <summary>Stripe's largest page: fewest calls against its rate limit.</summary>
    public const int SubscriptionPageSize = 100;

    public async IAsyncEnumerable<SubscriptionSnapshot> ListSubscriptionsAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var subscriptions = new global::Stripe.SubscriptionService(stripe);
        string? after = null;
        while (true)
        {
            var readAt = clock.GetUtcNow();
            var page = await CallAsync("list subscriptions", null, request => subscriptions.ListAsync(new SubscriptionListOptions
            {
                Status = "all",
                Limit = SubscriptionPageSize,
                StartingAfter = after,
            }, request, ct), ct);
            // The raw objects, not Stripe.net's model: the applier reads every API version's fields the same way.
            using var body = JsonDocument.Parse(page.StripeResponse.Content);
            foreach (var subscription in body.RootElement.GetProperty("data").EnumerateArray())
                yield return new SubscriptionSnapshot(subscription.GetProperty("id").GetString()!, subscription.GetRawText(), readAt);
            if (!page.HasMore || page.Data.Count == 0) yield break;
            after = page.Data[^1].Id;
        }
    }

    private static DateTimeOffset ToUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private Task<T> CallAsync<T>(string operation, string? idempotencyKey, Func<RequestOptions, Task<T>> call, CancellationToken ct) =>
        calls.CallAsync(operation, idempotencyKey, call, ct);
}
