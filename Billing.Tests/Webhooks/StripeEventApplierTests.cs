namespace Billing.Tests.Webhooks;

/// <summary>Applying Stripe events on real PostgreSQL (docs/webhooks-and-usage.md, step 2: Apply), without the queue.</summary>
public sealed class StripeEventApplierTests(ApplierFixture fixture) : IClassFixture<ApplierFixture>
{
    private const string ProPrice = "price_test_pro";
    private const string EnterprisePrice = "price_test_enterprise";
    private static readonly DateTimeOffset T0 = ApplierFixture.Now.AddMinutes(-30);
    private readonly AppServices _applier = fixture.App;

    private Task<string?> ApplyAsync(string eventJson) => _applier.ApplyAsync(eventJson);

    private Task<Guid> NewTenantAsync() => _applier.NewTenantAsync();

    private Task<T?> TenantAsync<T>(Guid tenant, string column) => _applier.TenantAsync<T>(tenant, column);

    /// <summary>A new tenant whose Pro subscription (T0 for a month) has been created by its event.</summary>
    private async Task<(Guid Tenant, string Customer, string Subscription)> SubscribedAsync()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1)), T0));
        return (tenant, customer, subscription);
    }

    [Fact]
    public async Task Checkout_then_subscription_then_invoice_leaves_the_tenant_paid_with_stripes_period()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var periodStart = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        var periodEnd = periodStart.AddMonths(1);

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(tenant, customer, subscription), T0)));
        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, periodStart, periodEnd, status: "incomplete"), T0.AddSeconds(1))));
        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, periodStart, periodEnd), T0.AddSeconds(2))));
        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(tenant, customer, subscription), T0.AddSeconds(3))));

        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("active", await TenantAsync<string>(tenant, "subscription_status"));
        Assert.Equal(customer, await TenantAsync<string>(tenant, "stripe_customer_id"));
        Assert.Equal(subscription, await TenantAsync<string>(tenant, "stripe_subscription_id"));
        Assert.Equal(periodStart, await TenantAsync<DateTime>(tenant, "billing_period_start"));
        Assert.Equal(periodEnd, await TenantAsync<DateTime>(tenant, "billing_period_end"));
    }

    [Fact]
    public async Task Subscription_event_before_checkout_completed_links_the_customer_by_metadata()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, EnterprisePrice, T0, T0.AddMonths(1)), T0));
        await ApplyAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(tenant, customer, subscription), T0.AddSeconds(1)));

        Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal(customer, await TenantAsync<string>(tenant, "stripe_customer_id"));
    }

    [Fact]
    public async Task Duplicate_event_id_is_applied_once()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var first = StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1)), T0);
        var id = System.Text.Json.Nodes.JsonNode.Parse(first)!["id"]!.GetValue<string>();
        // The same event id again. Stripe would send the same body; this one says enterprise and is newer in the
        // event order, so only the id can keep it out: applied twice, the tenant would be on enterprise.
        var again = StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, subscription, EnterprisePrice, T0, T0.AddMonths(1)), T0.AddMinutes(1), id: id);

        Assert.Equal("applied", await ApplyAsync(first));
        Assert.Null(await ApplyAsync(again));

        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal(1L, await _applier.ScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));
        Assert.Equal("customer.subscription.created", await _applier.ScalarAsync<string>("SELECT event_type FROM webhook_events WHERE stripe_event_id = $1", id));
    }

    [Fact]
    public async Task Redelivery_after_a_later_change_changes_nothing()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        await ApplyAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(tenant, customer, subscription), T0));
        var failed = StripeEvents.Event("invoice.payment_failed", StripeEvents.Invoice(null, customer, subscription, status: "open"), T0.AddSeconds(1));
        await ApplyAsync(failed);
        await ApplyAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(null, customer, subscription), T0.AddSeconds(2)));

        await ApplyAsync(failed);
        await ApplyAsync(failed);

        Assert.Equal("active", await TenantAsync<string>(tenant, "subscription_status"));
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_event_apply_it_once()
    {
        var tenant = await NewTenantAsync();
        var evt = StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub")), T0);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => ApplyAsync(evt))));

        Assert.Single(outcomes, o => o == "applied");
        Assert.Equal(7, outcomes.Count(o => o is null));
    }

    [Fact]
    public async Task Older_subscription_update_after_a_newer_one_is_stale()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var newer = StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, subscription, EnterprisePrice, T0, T0.AddMonths(1)), T0.AddMinutes(5));
        var older = StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1), status: "past_due"), T0);

        Assert.Equal("applied", await ApplyAsync(newer));
        Assert.Equal("stale", await ApplyAsync(older));

        Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("active", await TenantAsync<string>(tenant, "subscription_status"));
    }

    [Fact]
    public async Task Subscription_deleted_returns_the_tenant_to_free()
    {
        var (tenant, customer, subscription) = await SubscribedAsync();

        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.deleted",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1), status: "canceled"), T0.AddSeconds(10)));

        Assert.Equal("applied", outcome);
        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("canceled", await TenantAsync<string>(tenant, "subscription_status"));
        Assert.Null(await TenantAsync<string>(tenant, "stripe_subscription_id"));
        var start = await TenantAsync<DateTime>(tenant, "billing_period_start");
        Assert.Equal(1, start.Day);
        Assert.Equal(TimeSpan.Zero, start.TimeOfDay);
    }

    [Fact]
    public async Task Canceled_update_delivered_after_the_deletion_leaves_the_tenant_free()
    {
        var (tenant, customer, subscription) = await SubscribedAsync();
        var ended = T0.AddMinutes(3); // Stripe sends both events for the same moment, in no particular order
        var canceled = StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1), status: "canceled");

        await ApplyAsync(StripeEvents.Event("customer.subscription.deleted", canceled, ended));
        await ApplyAsync(StripeEvents.Event("customer.subscription.updated", canceled.DeepClone().AsObject(), ended));

        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("canceled", await TenantAsync<string>(tenant, "subscription_status"));
    }

    [Fact]
    public async Task End_of_an_older_subscription_does_not_end_the_current_one()
    {
        var tenant = await NewTenantAsync();
        var customer = StripeEvents.NewId("cus");
        var (old, current) = (StripeEvents.NewId("sub"), StripeEvents.NewId("sub"));
        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, current, ProPrice, T0, T0.AddMonths(1)), T0));

        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, old, ProPrice, T0, T0.AddMonths(1), status: "canceled"), T0.AddMinutes(1)));

        Assert.Equal("ignored", outcome);
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal(current, await TenantAsync<string>(tenant, "stripe_subscription_id"));
    }

    [Fact]
    public async Task Incomplete_subscription_grants_no_paid_limits_until_it_is_active()
    {
        var tenant = await NewTenantAsync();
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, EnterprisePrice, T0, T0.AddMonths(1), status: "incomplete"), T0));
        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("incomplete", await TenantAsync<string>(tenant, "subscription_status"));
        Assert.Equal(subscription, await TenantAsync<string>(tenant, "stripe_subscription_id"));

        await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, subscription, EnterprisePrice, T0, T0.AddMonths(1)), T0.AddSeconds(20)));
        Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Payment_failed_makes_the_subscription_past_due()
    {
        var (tenant, customer, subscription) = await SubscribedAsync();

        // No tenant metadata on the invoice: found by customer.
        await ApplyAsync(StripeEvents.Event("invoice.payment_failed", StripeEvents.Invoice(null, customer, subscription, status: "open"), T0.AddSeconds(5)));

        Assert.Equal("past_due", await TenantAsync<string>(tenant, "subscription_status"));
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Payment_failure_of_a_subscription_the_tenant_no_longer_has_changes_nothing()
    {
        var (tenant, customer, _) = await SubscribedAsync();

        var outcome = await ApplyAsync(StripeEvents.Event("invoice.payment_failed",
            StripeEvents.Invoice(null, customer, StripeEvents.NewId("sub"), status: "open"), T0.AddSeconds(5)));

        Assert.Equal("ignored", outcome);
        Assert.Equal("active", await TenantAsync<string>(tenant, "subscription_status"));
    }

    [Fact]
    public async Task Event_for_an_unknown_tenant_is_recorded_and_changes_nothing()
    {
        var evt = StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(Guid.NewGuid(), StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), ProPrice, T0, T0.AddMonths(1)), T0);

        Assert.Equal("ignored", await ApplyAsync(evt));
        var id = System.Text.Json.JsonDocument.Parse(evt).RootElement.GetProperty("id").GetString()!;
        Assert.Equal("ignored", await _applier.ScalarAsync<string>("SELECT outcome FROM webhook_events WHERE stripe_event_id = $1", id));
        Assert.True(await _applier.ScalarAsync<bool>(
            "SELECT payload->>'type' = 'customer.subscription.updated' FROM webhook_events WHERE stripe_event_id = $1", id));
    }

    [Fact]
    public async Task Unknown_price_is_recorded_and_changes_nothing()
    {
        var tenant = await NewTenantAsync();
        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), "price_someone_elses", T0, T0.AddMonths(1)), T0));

        Assert.Equal("ignored", outcome);
        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Customer_is_linked_only_by_an_event_that_passes_every_check()
    {
        var tenant = await NewTenantAsync();
        var (stranger, customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, stranger, StripeEvents.NewId("sub"), "price_someone_elses", T0, T0.AddMonths(1)), T0));
        Assert.Equal("ignored", outcome);
        Assert.Null(await TenantAsync<string>(tenant, "stripe_customer_id"));
        Assert.Equal(0L, await _applier.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE tenant_id = $1", tenant));

        // The tenant's own checkout still links its customer and subscribes it.
        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1)), T0.AddSeconds(1))));
        Assert.Equal(customer, await TenantAsync<string>(tenant, "stripe_customer_id"));
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Event_of_an_older_api_version_takes_the_period_from_the_subscription()
    {
        var tenant = await NewTenantAsync();
        var periodStart = new DateTimeOffset(2026, 10, 3, 0, 0, 0, TimeSpan.Zero);
        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.OldSubscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), ProPrice, periodStart, periodStart.AddMonths(1)),
            T0, apiVersion: StripeEvents.OldApiVersion));

        Assert.Equal("applied", outcome);
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal(periodStart, await TenantAsync<DateTime>(tenant, "billing_period_start"));
    }

    [Fact]
    public async Task Event_types_we_do_not_handle_are_recorded_as_ignored()
    {
        var outcome = await ApplyAsync(StripeEvents.Event("customer.created", new System.Text.Json.Nodes.JsonObject { ["id"] = "cus_1", ["object"] = "customer" }, T0));
        Assert.Equal("ignored", outcome);
    }

    [Fact]
    public async Task Queued_event_of_the_reconciliation_type_is_ignored()
    {
        // Only reconciliation itself applies snapshots (ApplySnapshotAsync); on the queue the type is unknown.
        var tenant = await NewTenantAsync();
        var outcome = await ApplyAsync(StripeEvents.Event(EventPosition.SnapshotEventType,
            StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), ProPrice, T0, T0.AddMonths(1)), T0));

        Assert.Equal("ignored", outcome);
        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Message_that_is_not_an_event_throws_so_the_queue_retries_it()
    {
        await Assert.ThrowsAnyAsync<Exception>(() => ApplyAsync("{\"hello\":\"world\"}"));
        await Assert.ThrowsAnyAsync<Exception>(() => ApplyAsync("not json"));
    }

    [Fact]
    public async Task Large_event_survives_the_queue_envelope()
    {
        var tenant = await NewTenantAsync();
        var session = StripeEvents.CheckoutSession(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        session["metadata"]!["padding"] = new string('p', 100_000);
        var evt = StripeEvents.Event("checkout.session.completed", session, T0);
        var message = StripeEventQueue.Encode(evt)!;

        Assert.True(message.Length < 48 * 1024, $"encoded to {message.Length} chars");
        Assert.Equal("applied", await ApplyAsync(message));
    }
}
