using Billing.Core.Errors;
using Billing.Core.Subscriptions;
using Billing.Core.Tenants;
using Microsoft.Extensions.Options;
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
                SubscriptionData = new() { Metadata = metadata },
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

    public Task<string> CreatePortalSessionAsync(string customerId, string returnUrl, CancellationToken ct) =>
        CallAsync("create portal session", $"portal-{customerId}-{Guid.NewGuid():N}", async request =>
            (await new global::Stripe.BillingPortal.SessionService(stripe).CreateAsync(new global::Stripe.BillingPortal.SessionCreateOptions
            {
                Customer = customerId,
                ReturnUrl = returnUrl,
                Configuration = options.Value.PortalConfiguration is { Length: > 0 } configuration ? configuration : null,
            }, request, ct)).Url, ct);

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
