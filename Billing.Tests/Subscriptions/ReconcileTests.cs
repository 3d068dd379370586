namespace Billing.Tests.Subscriptions;

/// <summary>
/// Reconciliation against a fake Stripe that pages like Stripe, each test on a database of its own (the run
/// looks at every paid tenant, so it must not see other tests' tenants).
/// </summary>
public sealed class ReconcileTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Pro = "price_test_pro";
    private const string Enterprise = "price_test_enterprise";
    private AppServices _applier = null!;
    private TestEnvironment _env = null!;
    private FakeStripe _stripe = null!;
    private ServiceProvider _services = null!;
    private string _db = null!;

    public async Task InitializeAsync()
    {
        // A fake Stripe and a database of its own: the run lists every subscription and looks at every paid tenant.
        _applier = await AppServices.StartAsync(ownDatabase: true);
        (_env, _stripe, _services, _db) = (_applier.Env, _applier.Stripe, _applier.Services, _applier.Database);
    }

    public async Task DisposeAsync() => await _applier.DisposeAsync();

    private Task<ReconcileReport> ReconcileAsync() => _services.GetRequiredService<SubscriptionReconciler>().RunAsync(default);

    private Task<string?> ApplyAsync(string evt) => _applier.ApplyAsync(evt);

    private Task<T?> TenantAsync<T>(Guid tenant, string column) => _applier.TenantAsync<T>(tenant, column);

    /// <summary>A tenant on pro through delivered webhooks; Stripe (the fake) agrees until a test changes it.</summary>
    private async Task<(Guid Tenant, string Customer, string Sub, DateTimeOffset Start)> PaidTenantAsync(bool inStripe = true)
    {
        var (tenant, customer, sub) = (Guid.NewGuid(), StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var start = DateTimeOffset.UtcNow.AddDays(-3);
        await Db.SeedTenantThisMonthAsync(_db, tenant, "free");
        var subscription = StripeEvents.Subscription(tenant, customer, sub, Pro, start, start.AddMonths(1), created: start);
        Assert.Equal("applied", await ApplyAsync(StripeEvents.Event("customer.subscription.created", subscription, start)));
        if (inStripe) _stripe.SetSubscription(subscription);
        return (tenant, customer, sub, start);
    }

    [Fact]
    public async Task Tenant_whose_update_was_never_delivered_ends_on_stripes_plan()
    {
        var (tenant, customer, sub, start) = await PaidTenantAsync();
        _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Enterprise, start, start.AddMonths(1), created: start));

        var report = await ReconcileAsync();

        Assert.Equal(1, report.Repaired);
        Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("drift_repaired", await Db.ScalarAsync<string>(_db,
            "SELECT outcome FROM webhook_events WHERE event_type = $1 AND payload->>'id' = $2", EventPosition.SnapshotEventType, sub));
    }

    [Fact]
    public async Task Tenant_whose_deletion_was_missed_ends_on_free()
    {
        var (tenant, customer, sub, start) = await PaidTenantAsync();
        _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Pro, start, start.AddMonths(1), status: "canceled", created: start));

        await ReconcileAsync();

        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("canceled", await TenantAsync<string>(tenant, "subscription_status"));
        Assert.Null(await TenantAsync<string>(tenant, "stripe_subscription_id"));
    }

    [Fact]
    public async Task Duplicate_canceled_in_stripe_whose_deletion_was_missed_is_ended_so_the_tenant_never_moves_onto_it()
    {
        var (tenant, customer, kept, start) = await PaidTenantAsync();
        // Paid twice: a second live subscription (a duplicate), then canceled in Stripe; its deletion webhook was missed.
        var duplicate = StripeEvents.NewId("sub");
        var duplicateCreated = start.AddHours(1);
        Assert.Equal("duplicate_subscription", await ApplyAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, duplicate, Enterprise, duplicateCreated, duplicateCreated.AddMonths(1), created: duplicateCreated), duplicateCreated)));
        _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, duplicate, Enterprise, duplicateCreated, duplicateCreated.AddMonths(1),
            status: "canceled", created: duplicateCreated));

        var report = await ReconcileAsync();

        Assert.Equal(1, report.Repaired);
        Assert.True(await Db.ScalarAsync<bool>(_db, "SELECT ended FROM subscriptions WHERE id = $1", duplicate));
        Assert.Equal("drift_repaired", await Db.ScalarAsync<string>(_db,
            "SELECT outcome FROM webhook_events WHERE event_type = $1 AND payload->>'id' = $2", EventPosition.SnapshotEventType, duplicate));
        Assert.Equal(kept, await TenantAsync<string>(tenant, "stripe_subscription_id"));

        // The tenant's real subscription ends later: it goes back to free, not onto the canceled duplicate.
        await ApplyAsync(StripeEvents.Event("customer.subscription.deleted",
            StripeEvents.Subscription(tenant, customer, kept, Pro, start, start.AddMonths(1), status: "canceled", created: start), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Null(await TenantAsync<string>(tenant, "stripe_subscription_id"));
    }

    [Fact]
    public async Task Subscription_that_ended_before_the_upgrade_is_recorded_so_a_late_event_cannot_revive_it()
    {
        var (tenant, customer, current, start) = await PaidTenantAsync();
        // An older subscription of the tenant ended before the subscriptions table existed: the migration left it no row.
        var old = StripeEvents.NewId("sub");
        var oldCreated = start.AddMonths(-6);
        _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, old, Enterprise, oldCreated.AddMonths(5), oldCreated.AddMonths(6),
            status: "canceled", created: oldCreated));

        var report = await ReconcileAsync();

        Assert.Equal(1, report.Repaired);
        Assert.True(await Db.ScalarAsync<bool>(_db, "SELECT ended FROM subscriptions WHERE id = $1", old));
        Assert.Equal("drift_repaired", await Db.ScalarAsync<string>(_db,
            "SELECT outcome FROM webhook_events WHERE event_type = $1 AND payload->>'id' = $2", EventPosition.SnapshotEventType, old));

        // A late delivery from when it was live (a retry, a replayed poison message) changes nothing.
        Assert.Equal("stale", await ApplyAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(tenant, customer, old, Enterprise, oldCreated.AddMonths(5), oldCreated.AddMonths(6), created: oldCreated), oldCreated.AddMonths(5))));
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal(current, await TenantAsync<string>(tenant, "stripe_subscription_id"));
    }

    [Fact]
    public async Task Running_it_twice_changes_nothing_the_second_time()
    {
        var (tenant, customer, sub, start) = await PaidTenantAsync();
        await PaidTenantAsync();
        _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Pro, start, start.AddMonths(1), cancelAtPeriodEnd: true, created: start));

        var first = await ReconcileAsync();
        var recorded = await Db.ScalarAsync<long>(_db, "SELECT count(*) FROM webhook_events WHERE event_type = $1", EventPosition.SnapshotEventType);
        var second = await ReconcileAsync();

        Assert.Equal((2, 1), (first.Listed, first.Repaired));
        Assert.Equal((2, 0), (second.Listed, second.Repaired));
        Assert.Equal(recorded, await Db.ScalarAsync<long>(_db, "SELECT count(*) FROM webhook_events WHERE event_type = $1", EventPosition.SnapshotEventType));
        Assert.True(await TenantAsync<bool>(tenant, "cancel_at_period_end"));
    }

    [Fact]
    public async Task Reconcile_racing_a_webhook_converges_on_whichever_is_newer()
    {
        // Stripe shows enterprise now. A webhook created after the snapshot (cancel at period end) must win;
        // one created before it (still pro) must lose; whichever the applier takes first.
        var newer = new List<Guid>();
        var older = new List<Guid>();
        var webhooks = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var (tenant, customer, sub, start) = await PaidTenantAsync();
            _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Enterprise, start, start.AddMonths(1), created: start));
            var isNewer = i % 2 == 0;
            (isNewer ? newer : older).Add(tenant);
            webhooks.Add(StripeEvents.Event("customer.subscription.updated",
                StripeEvents.Subscription(tenant, customer, sub, isNewer ? Enterprise : Pro, start, start.AddMonths(1), cancelAtPeriodEnd: true, created: start),
                isNewer ? DateTimeOffset.UtcNow.AddMinutes(5) : DateTimeOffset.UtcNow.AddMinutes(-5)));
        }

        await Task.WhenAll(webhooks.Select(w => (Task)Task.Run(() => ApplyAsync(w))).Append(Task.Run(ReconcileAsync)));

        foreach (var tenant in newer)
        {
            Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
            Assert.True(await TenantAsync<bool>(tenant, "cancel_at_period_end"));
        }
        foreach (var tenant in older)
        {
            Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
            Assert.False(await TenantAsync<bool>(tenant, "cancel_at_period_end"));
        }
    }

    [Fact]
    public async Task Paid_tenant_whose_subscription_stripe_does_not_list_is_looked_up_and_never_guessed()
    {
        var (tenant, _, sub, _) = await PaidTenantAsync();
        var (gone, _, goneSub, _) = await PaidTenantAsync(inStripe: false);

        var report = await ReconcileAsync();

        Assert.Equal((1, 1), (report.CheckedOneByOne, report.MissingInStripe));
        Assert.Equal("pro", await TenantAsync<string>(gone, "plan_tier"));
        Assert.Equal(sub, await TenantAsync<string>(tenant, "stripe_subscription_id"));
        Assert.Equal(goneSub, await TenantAsync<string>(gone, "stripe_subscription_id"));
        Assert.Single(_stripe.RequestsTo($"/v1/subscriptions/{goneSub}"));
    }

    [Fact]
    public async Task One_subscription_that_cannot_be_applied_does_not_stop_the_run()
    {
        var (broken, brokenCustomer, brokenSub, start) = await PaidTenantAsync();
        _stripe.SetSubscription(StripeEvents.Subscription(broken, brokenCustomer, brokenSub, Enterprise, start, start.AddMonths(1), created: start));
        // The database refuses any change to this one subscription, as a real data error would.
        await Db.ExecuteAsync(_db, $"""
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse BEFORE UPDATE ON subscriptions FOR EACH ROW WHEN (NEW.id = '{brokenSub}') EXECUTE FUNCTION refuse();
            """);
        var (tenant, customer, sub, _) = await PaidTenantAsync();
        _stripe.SetSubscription(StripeEvents.Subscription(tenant, customer, sub, Enterprise, start, start.AddMonths(1), created: start));

        var report = await ReconcileAsync();

        Assert.Equal((2, 1, 1), (report.Listed, report.Repaired, report.Failed));
        Assert.Equal("enterprise", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal("pro", await TenantAsync<string>(broken, "plan_tier"));
    }

    [Fact]
    public async Task Two_thousand_subscriptions_over_many_pages_reconcile_in_one_run()
    {
        const int count = 2000;
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var month = Billing.Core.Usage.BillingPeriod.CalendarMonth(DateTimeOffset.UtcNow);
        await Db.ExecuteAsync(_db,
            """
            INSERT INTO tenants (id, plan_tier, subscription_status, cancel_at_period_end, billing_period_start, billing_period_end, created_at, updated_at)
            SELECT gen_random_uuid(), 'free', 'active', false, $1, $2, now(), now() FROM generate_series(1, $3)
            """, month.Start, month.End, count);
        await using (var connection = new Npgsql.NpgsqlConnection(_db))
        {
            await connection.OpenAsync();
            await using var read = new Npgsql.NpgsqlCommand("SELECT id FROM tenants", connection);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var tenant = reader.GetGuid(0);
                // Every checkout's webhooks were missed: Stripe has them paid, we show them free.
                _stripe.SetSubscription(StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), Pro, start, start.AddMonths(1), created: start));
            }
        }

        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        var report = await ReconcileAsync();
        var took = clock.Elapsed;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        var again = await ReconcileAsync();

        output.WriteLine($"Reconciled {report.Listed} subscriptions in {took.TotalSeconds:F1} s ({report.Repaired} repaired), " +
                         $"{_stripe.RequestsTo("/v1/subscriptions").Count()} list calls, {allocated / 1024 / 1024} MiB allocated in all; second run repaired {again.Repaired}");
        Assert.Equal((count, count), (report.Listed, report.Repaired));
        Assert.Equal(0, again.Repaired);
        Assert.Equal(count, await Db.ScalarAsync<long>(_db, "SELECT count(*) FROM tenants WHERE plan_tier = 'pro'"));
        // One page at a time, at Stripe's largest page size: 20 pages per run.
        Assert.All(_stripe.RequestsTo("/v1/subscriptions"), r => Assert.Equal("100", r.Query["limit"]));
        Assert.Equal(2 * (count / 100), _stripe.RequestsTo("/v1/subscriptions").Count());
    }

    [Fact]
    public async Task In_demo_mode_it_changes_nothing_that_is_right()
    {
        await using var demo = _env.CreateServices(new Dictionary<string, string?> { ["DEMO_MODE"] = "true" }, database: _db);
        var (tenant, _, sub, _) = await PaidTenantAsync();

        var report = await demo.GetRequiredService<SubscriptionReconciler>().RunAsync(default);

        Assert.Equal(new ReconcileReport(0, 0, 0, 0), report);
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Equal(sub, await TenantAsync<string>(tenant, "stripe_subscription_id"));
    }
}
