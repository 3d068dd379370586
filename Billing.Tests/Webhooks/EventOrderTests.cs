namespace Billing.Tests.Webhooks;

/// <summary>The single cases behind the total event order, each with the outcome an operator reads in webhook_events.</summary>
public sealed class EventOrderTests(ApplierFixture fixture) : IClassFixture<ApplierFixture>
{
    private const string Pro = "price_test_pro";
    private const string Enterprise = "price_test_enterprise";
    private static readonly DateTimeOffset T = new(2026, 11, 10, 8, 0, 0, TimeSpan.Zero);
    private readonly AppServices _applier = fixture.App;
    private readonly string _db = fixture.App.Database;

    private Task<string?> ApplyAsync(string evt) => _applier.ApplyAsync(evt);

    private async Task<(Guid Tenant, string Customer, string Subscription)> NewTenantAsync() =>
        (await _applier.NewTenantAsync(), StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

    private Task<T?> TenantAsync<T>(Guid tenant, string column) => _applier.TenantAsync<T>(tenant, column);

    [Fact]
    public async Task Not_yet_paid_state_of_the_same_second_never_overwrites_the_active_one()
    {
        var (tenant, customer, sub) = await NewTenantAsync();

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)), T)));
        Assert.Equal("stale", await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1), status: "incomplete"), T)));

        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("active", await TenantAsync<string>(tenant, "subscription_status"));
    }

    [Fact]
    public async Task Older_payment_failure_after_a_newer_payment_is_stale()
    {
        var (tenant, customer, sub) = await NewTenantAsync();
        await ApplyAsync(StripeEvents.Event("customer.subscription.created", StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)), T));

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(tenant, customer, sub), T.AddDays(2))));
        Assert.Equal("stale", await ApplyAsync(StripeEvents.Event("invoice.payment_failed", StripeEvents.Invoice(tenant, customer, sub, status: "open"), T.AddDays(1))));

        Assert.Equal("active", await TenantAsync<string>(tenant, "subscription_status"));
    }

    [Fact]
    public async Task Checkout_completed_after_the_deletion_never_links_the_ended_subscription_again()
    {
        var (tenant, customer, sub) = await NewTenantAsync();
        await ApplyAsync(StripeEvents.Event("customer.subscription.created", StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)), T));
        await ApplyAsync(StripeEvents.Event("customer.subscription.deleted",
            StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1), status: "canceled"), T.AddDays(1)));

        Assert.Equal("stale", await ApplyAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(tenant, customer, sub), T)));
        Assert.Equal("stale", await ApplyAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(tenant, customer, sub), T.AddDays(2))));

        Assert.Null(await TenantAsync<string>(tenant, "stripe_subscription_id"));
        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.True(await Db.ScalarAsync<bool>(_db, "SELECT ended FROM subscriptions WHERE id = $1", sub));
    }

    [Fact]
    public async Task Event_naming_another_tenants_customer_is_ignored_not_retried_forever()
    {
        var (owner, customer, ownerSub) = await NewTenantAsync();
        var (other, _, otherSub) = await NewTenantAsync();
        await ApplyAsync(StripeEvents.Event("customer.subscription.created", StripeEvents.Subscription(owner, customer, ownerSub, Pro, T, T.AddMonths(1)), T));

        // A subscription made by hand in the Dashboard with another tenant's id copied into its metadata.
        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(other, customer, otherSub, Enterprise, T, T.AddMonths(1)), T.AddSeconds(5)));

        Assert.Equal("ignored", outcome);
        Assert.Null(await TenantAsync<string>(other, "stripe_customer_id"));
        Assert.Equal("free", await TenantAsync<string>(other, "plan_tier"));
        Assert.Equal(customer, await TenantAsync<string>(owner, "stripe_customer_id"));
    }

    [Fact]
    public async Task Second_paid_subscription_is_recorded_as_a_duplicate_and_the_tenant_keeps_the_first()
    {
        var (tenant, customer, first) = await NewTenantAsync();
        var second = StripeEvents.NewId("sub");
        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, first, Pro, T, T.AddMonths(1), created: T), T));

        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, second, Enterprise, T.AddSeconds(30), T.AddSeconds(30).AddMonths(1), created: T.AddSeconds(30)), T.AddSeconds(30)));

        Assert.Equal("duplicate_subscription", outcome);
        Assert.Equal(first, await TenantAsync<string>(tenant, "stripe_subscription_id"));
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));

        // Once the operator cancels the duplicate in Stripe, its deletion is an ordinary end of a subscription that is not the tenant's.
        Assert.Equal("ignored", await ApplyAsync(StripeEvents.Event("customer.subscription.deleted",
            StripeEvents.Subscription(tenant, customer, second, Enterprise, T, T.AddMonths(1), status: "canceled"), T.AddMinutes(5))));
        Assert.Equal(first, await TenantAsync<string>(tenant, "stripe_subscription_id"));
    }

    [Fact]
    public async Task Second_paid_subscription_delivered_first_still_leaves_the_tenant_on_the_older_one()
    {
        var (tenant, customer, first) = await NewTenantAsync();
        var second = StripeEvents.NewId("sub");
        await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, second, Enterprise, T, T.AddMonths(1), created: T.AddSeconds(30)), T.AddSeconds(30)));

        var outcome = await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, first, Pro, T, T.AddMonths(1), created: T), T));

        Assert.Equal("duplicate_subscription", outcome);
        Assert.Equal(first, await TenantAsync<string>(tenant, "stripe_subscription_id"));
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Two_updates_in_one_second_take_the_subscription_as_stripe_shows_it()
    {
        var (tenant, customer, sub) = await NewTenantAsync();
        var at = T.AddDays(3);
        await ApplyAsync(StripeEvents.Event("customer.subscription.created", StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)), T));
        fixture.Stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1), cancelAtPeriodEnd: true));
        var asked = fixture.Stripe.RequestsTo($"/v1/subscriptions/{sub}").Count();

        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1), cancelAtPeriodEnd: true), at)));
        Assert.Equal("tie_resolved", await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)), at)));

        Assert.True(await TenantAsync<bool>(tenant, "cancel_at_period_end"));
        Assert.Equal(asked + 1, fixture.Stripe.RequestsTo($"/v1/subscriptions/{sub}").Count());
    }

    [Fact]
    public async Task Tie_while_stripe_is_down_records_nothing_so_the_queue_retries_it()
    {
        var (tenant, customer, sub) = await NewTenantAsync();
        var at = T.AddDays(3);
        await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1), cancelAtPeriodEnd: true), at));
        var tie = StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)), at);
        fixture.Stripe.FailNext($"/v1/subscriptions/{sub}", new FakeStripe.Status(503), times: 3);

        var error = await Assert.ThrowsAsync<BillingException>(() => ApplyAsync(tie));
        Assert.Equal("stripe_unavailable", error.Code);
        var id = System.Text.Json.JsonDocument.Parse(tie).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(0L, await Db.ScalarAsync<long>(_db, "SELECT count(*) FROM webhook_events WHERE stripe_event_id = $1", id));

        fixture.Stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Pro, T, T.AddMonths(1)));
        Assert.Equal("tie_resolved", await ApplyAsync(tie));
        Assert.False(await TenantAsync<bool>(tenant, "cancel_at_period_end"));
    }
}
