namespace Billing.Tests.Webhooks;

/// <summary>
/// The tenant's row depends only on the set of events applied, never on the order or how often Stripe
/// delivered them. Each realistic history is applied, through the real applier on real PostgreSQL, in every
/// order (short histories) or in 300 seeded random orders, always with random duplicate deliveries, and the
/// tenant must end exactly where the history, applied in Stripe's true order, ends.
/// </summary>
public sealed class EventOrderConvergenceTests(ApplierFixture fixture, ITestOutputHelper output) : IClassFixture<ApplierFixture>
{
    private const string Pro = "price_test_pro";
    private const string Enterprise = "price_test_enterprise";
    private const int RandomOrders = 300;
    private static readonly DateTimeOffset T = new(2026, 11, 3, 9, 15, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PeriodEnd = T.AddMonths(1);

    /// <summary>One run's ids: every run gets its own tenant, customer, subscription and event ids.</summary>
    public sealed record Run(Guid Tenant, string Customer, string Subscription);

    /// <summary>The tenant row a history must end in.</summary>
    private sealed record Row(string PlanTier, string Status, bool CancelAtPeriodEnd, string? SubscriptionId, string? CustomerId, DateTimeOffset? PeriodStart);

    private static JsonObject Sub(Run r, string price = Pro, string status = "active", bool cancelAtPeriodEnd = false) =>
        StripeEvents.Subscription(r.Tenant, r.Customer, r.Subscription, price, T, PeriodEnd, status, cancelAtPeriodEnd, created: T);

    private static string E(string type, JsonObject obj, DateTimeOffset at) => StripeEvents.Event(type, obj, at);

    private static string Checkout(Run r, DateTimeOffset at) =>
        E("checkout.session.completed", StripeEvents.CheckoutSession(r.Tenant, r.Customer, r.Subscription), at);

    private static string InvoicePaid(Run r, DateTimeOffset at) => E("invoice.paid", StripeEvents.Invoice(r.Tenant, r.Customer, r.Subscription), at);

    private static string PaymentFailed(Run r, DateTimeOffset at) =>
        E("invoice.payment_failed", StripeEvents.Invoice(r.Tenant, r.Customer, r.Subscription, status: "open"), at);

    /// <summary>The opening of most histories, all at <see cref="T"/>: checkout completed, subscription created, first invoice paid.</summary>
    private static string[] Subscribed(Run r) => [Checkout(r, T), E("customer.subscription.created", Sub(r), T), InvoicePaid(r, T)];

    private static Row Paid(Run r, string tier = "pro", string status = "active", bool cancel = false) =>
        new(tier, status, cancel, r.Subscription, r.Customer, T);

    /// <summary>What the tenant is told about its subscription's life (the columns GET /subscription shows).</summary>
    private sealed record Life(string LimitsTier, DateTimeOffset? TrialEnd = null, DateTimeOffset? CancelAt = null, string? PendingPlanTier = null,
        DateTimeOffset? PendingChangeAt = null, DateTimeOffset? PaymentFailedAt = null, DateTimeOffset? GraceUntil = null);

    private static readonly TimeSpan Grace = TimeSpan.FromDays(7);

    private static JsonObject Schedule(Run r, string status, DateTimeOffset phaseStart, params (string Price, DateTimeOffset Start, DateTimeOffset End)[] phases) => new()
    {
        ["id"] = r.Subscription.Replace("sub_", "sub_sched_"), ["object"] = "subscription_schedule", ["status"] = status,
        ["created"] = T.AddDays(5).ToUnixTimeSeconds(), ["customer"] = r.Customer, ["end_behavior"] = "release",
        ["subscription"] = status == "released" ? null : r.Subscription, ["released_subscription"] = status == "released" ? r.Subscription : null,
        ["metadata"] = new JsonObject { ["tenant_id"] = r.Tenant.ToString() },
        ["current_phase"] = status == "released" ? null : new JsonObject { ["start_date"] = phaseStart.ToUnixTimeSeconds(), ["end_date"] = phases.First(p => p.Start == phaseStart).End.ToUnixTimeSeconds() },
        ["phases"] = new JsonArray(phases.Select(p => (JsonNode)new JsonObject
        {
            ["start_date"] = p.Start.ToUnixTimeSeconds(), ["end_date"] = p.End.ToUnixTimeSeconds(),
            ["items"] = new JsonArray(new JsonObject { ["price"] = p.Price, ["quantity"] = 1 }),
        }).ToArray()),
    };

    private static Row Free(Run r) =>
        new("free", "canceled", false, null, r.Customer, BillingPeriod.CalendarMonth(ApplierFixture.Now).Start);

    [Fact]
    public Task Checkout_happy_path_converges() => ConvergesAsync("checkout happy path", r =>
    [
        // As Checkout does it: the subscription is created incomplete and made active by its first payment, in one second.
        Checkout(r, T),
        E("customer.subscription.created", Sub(r, status: "incomplete"), T),
        InvoicePaid(r, T),
        E("customer.subscription.updated", Sub(r), T),
    ], r => Paid(r));

    [Fact]
    public Task First_payment_needing_authentication_converges() => ConvergesAsync("incomplete then active (3-D Secure)", r =>
    [
        E("customer.subscription.created", Sub(r, status: "incomplete"), T),
        PaymentFailed(r, T),
        InvoicePaid(r, T.AddSeconds(40)),
        E("customer.subscription.updated", Sub(r), T.AddSeconds(40)),
        Checkout(r, T.AddSeconds(41)),
    ], r => Paid(r));

    [Fact]
    public Task Payment_failure_then_recovery_converges() => ConvergesAsync("payment failure then recovery", r =>
    [
        .. Subscribed(r),
        PaymentFailed(r, T.AddDays(1)),
        E("customer.subscription.updated", Sub(r, status: "past_due"), T.AddDays(1)),
        InvoicePaid(r, T.AddDays(2)),
        E("customer.subscription.updated", Sub(r), T.AddDays(2)),
    ], r => Paid(r));

    [Fact]
    public Task Payment_results_alone_are_ordered_too() => ConvergesAsync("failed renewal, then paid, no subscription updates", r =>
    [
        E("customer.subscription.created", Sub(r), T),
        PaymentFailed(r, T.AddDays(1)),
        InvoicePaid(r, T.AddDays(1).AddHours(2)),
    ], r => Paid(r));

    [Fact]
    public Task Cancel_at_period_end_then_deletion_converges() => ConvergesAsync("cancel at period end, then deleted", r =>
    [
        .. Subscribed(r),
        E("customer.subscription.updated", Sub(r, cancelAtPeriodEnd: true), T.AddDays(3)),
        E("customer.subscription.updated", Sub(r, status: "canceled", cancelAtPeriodEnd: true), PeriodEnd),
        E("customer.subscription.deleted", Sub(r, status: "canceled", cancelAtPeriodEnd: true), PeriodEnd),
    ], Free);

    [Fact]
    public Task Upgrade_from_pro_to_enterprise_converges() => ConvergesAsync("upgrade pro -> enterprise", r =>
    [
        .. Subscribed(r),
        E("customer.subscription.updated", Sub(r, price: Enterprise), T.AddDays(5)),
        InvoicePaid(r, T.AddDays(5)),
    ], r => Paid(r, tier: "enterprise"));

    [Fact]
    public Task Two_updates_in_one_second_converge_on_what_stripe_says() => ConvergesAsync("two updates in one second", r =>
    [
        Checkout(r, T),
        E("customer.subscription.created", Sub(r), T),
        // The customer cancels and, within the same second, takes it back: only Stripe knows which came last.
        E("customer.subscription.updated", Sub(r, cancelAtPeriodEnd: true), T.AddDays(2)),
        E("customer.subscription.updated", Sub(r, price: Enterprise), T.AddDays(2)),
    ], r => Paid(r, tier: "enterprise"), stripeNow: r => Sub(r, price: Enterprise));

    [Fact]
    public Task Late_events_of_a_deleted_subscription_never_link_it_again() => ConvergesAsync("deleted, with a late checkout and invoice", r =>
    [
        Checkout(r, T),
        E("customer.subscription.created", Sub(r), T),
        PaymentFailed(r, T.AddDays(30)),
        E("customer.subscription.deleted", Sub(r, status: "canceled"), T.AddDays(40)),
    ], Free);

    [Fact]
    public Task Cancel_then_resubscribe_with_late_events_of_the_old_subscription_converges() => ConvergesAsync("cancel, resubscribe, late events of the old one", r =>
    {
        var second = r with { Subscription = r.Subscription + "_2" };
        var secondStart = T.AddDays(20);
        JsonObject Second(string status = "active") =>
            StripeEvents.Subscription(r.Tenant, r.Customer, second.Subscription, Enterprise, secondStart, secondStart.AddMonths(1), status, created: secondStart);
        return
        [
            E("customer.subscription.created", Sub(r), T),
            E("customer.subscription.updated", Sub(r, cancelAtPeriodEnd: true), T.AddDays(5)),
            E("customer.subscription.deleted", Sub(r, status: "canceled"), T.AddDays(10)),
            PaymentFailed(r, T.AddDays(9)),
            E("checkout.session.completed", StripeEvents.CheckoutSession(r.Tenant, r.Customer, second.Subscription), secondStart),
            E("customer.subscription.created", Second(), secondStart),
        ];
    }, r => new Row("enterprise", "active", false, r.Subscription + "_2", r.Customer, T.AddDays(20)));

    [Fact]
    public Task Trial_that_converts_converges() => ConvergesAsync("trial, then converted by its first payment", r =>
    {
        var trialEnd = T.AddDays(14);
        JsonObject Trial(string status, DateTimeOffset start, DateTimeOffset end)
        {
            var subscription = StripeEvents.Subscription(r.Tenant, r.Customer, r.Subscription, Pro, start, end, status, created: T);
            subscription["trial_end"] = trialEnd.ToUnixTimeSeconds();
            return subscription;
        }
        return
        [
            Checkout(r, T),
            E("customer.subscription.created", Trial("trialing", T, trialEnd), T),
            E("customer.subscription.trial_will_end", Trial("trialing", T, trialEnd), trialEnd.AddDays(-3)),
            InvoicePaid(r, trialEnd),
            E("customer.subscription.updated", Trial("active", trialEnd, trialEnd.AddMonths(1)), trialEnd),
        ];
    }, r => Paid(r) with { PeriodStart = T.AddDays(14) }, _ => new Life("pro"));

    [Fact]
    public Task Trial_in_progress_shows_its_end_with_paid_limits() => ConvergesAsync("trial in progress", r =>
    {
        var subscription = StripeEvents.Subscription(r.Tenant, r.Customer, r.Subscription, Enterprise, T, T.AddDays(14), "trialing", created: T);
        subscription["trial_end"] = T.AddDays(14).ToUnixTimeSeconds();
        return
        [
            Checkout(r, T),
            E("customer.subscription.created", subscription, T),
            E("customer.subscription.trial_will_end", (JsonObject)subscription.DeepClone(), T.AddDays(11)),
        ];
    }, r => Paid(r, tier: "enterprise", status: "trialing"), _ => new Life("enterprise", TrialEnd: T.AddDays(14)));

    [Fact]
    public Task Cancel_then_resume_converges() => ConvergesAsync("cancel at period end, then resumed", r =>
    {
        var canceling = Sub(r, cancelAtPeriodEnd: true);
        canceling["cancel_at"] = PeriodEnd.ToUnixTimeSeconds();
        return
        [
            Checkout(r, T),
            E("customer.subscription.created", Sub(r), T),
            E("customer.subscription.updated", canceling, T.AddDays(3)),
            E("customer.subscription.updated", Sub(r), T.AddDays(4)),
        ];
    }, r => Paid(r), _ => new Life("pro"));

    [Fact]
    public Task Cancel_shows_when_the_plan_ends() => ConvergesAsync("cancel at period end", r =>
    [
        E("customer.subscription.created", Sub(r), T),
        InvoicePaid(r, T),
        E("customer.subscription.updated", Sub(r, cancelAtPeriodEnd: true), T.AddDays(3)),
    ], r => Paid(r, cancel: true), _ => new Life("pro", CancelAt: PeriodEnd));

    [Fact]
    public Task Scheduled_downgrade_shows_until_it_takes_effect_at_renewal() => ConvergesAsync("downgrade scheduled, taking effect at renewal", r =>
    {
        var next = PeriodEnd.AddMonths(1);
        return
        [
            E("customer.subscription.created", Sub(r, price: Enterprise), T),
            E("subscription_schedule.created", Schedule(r, "active", T, (Enterprise, T, PeriodEnd)), T.AddDays(5)),
            E("subscription_schedule.updated", Schedule(r, "active", T, (Enterprise, T, PeriodEnd), (Pro, PeriodEnd, next)), T.AddDays(5)),
            E("customer.subscription.updated", StripeEvents.Subscription(r.Tenant, r.Customer, r.Subscription, Pro, PeriodEnd, next, created: T), PeriodEnd),
            E("subscription_schedule.updated", Schedule(r, "active", PeriodEnd, (Enterprise, T, PeriodEnd), (Pro, PeriodEnd, next)), PeriodEnd),
        ];
    }, r => Paid(r) with { PeriodStart = PeriodEnd }, _ => new Life("pro"));

    [Fact]
    public Task Scheduled_downgrade_before_renewal_converges() => ConvergesAsync("downgrade scheduled", r =>
    [
        Checkout(r, T),
        E("customer.subscription.created", Sub(r, price: Enterprise), T),
        E("subscription_schedule.created", Schedule(r, "active", T, (Enterprise, T, PeriodEnd)), T.AddDays(5)),
        E("subscription_schedule.updated", Schedule(r, "active", T, (Enterprise, T, PeriodEnd), (Pro, PeriodEnd, PeriodEnd.AddMonths(1))), T.AddDays(5)),
    ], r => Paid(r, tier: "enterprise"), _ => new Life("enterprise", PendingPlanTier: "pro", PendingChangeAt: PeriodEnd));

    [Fact]
    public Task Scheduled_downgrade_taken_back_converges() => ConvergesAsync("downgrade scheduled, then taken back", r =>
    [
        E("customer.subscription.created", Sub(r, price: Enterprise), T),
        E("subscription_schedule.created", Schedule(r, "active", T, (Enterprise, T, PeriodEnd)), T.AddDays(5)),
        E("subscription_schedule.updated", Schedule(r, "active", T, (Enterprise, T, PeriodEnd), (Pro, PeriodEnd, PeriodEnd.AddMonths(1))), T.AddDays(5)),
        E("subscription_schedule.released", Schedule(r, "released", T, (Enterprise, T, PeriodEnd), (Pro, PeriodEnd, PeriodEnd.AddMonths(1))), T.AddDays(5)),
    ], r => Paid(r, tier: "enterprise"), _ => new Life("enterprise"));

    [Fact]
    public Task Failed_payments_then_paid_converges() => ConvergesAsync("two failed payments, then paid", r =>
    [
        E("customer.subscription.created", Sub(r), T),
        PaymentFailed(r, T.AddDays(10)),
        E("customer.subscription.updated", Sub(r, status: "past_due"), T.AddDays(10)),
        PaymentFailed(r, T.AddDays(13)),
        InvoicePaid(r, T.AddDays(15)),
    ], r => Paid(r), _ => new Life("pro"));

    [Fact]
    public Task Grace_starts_at_the_first_failure_since_the_last_payment_in_every_order() => ConvergesAsync("paid, then two failed payments", r =>
    [
        E("customer.subscription.created", Sub(r), T),
        PaymentFailed(r, T),
        InvoicePaid(r, T.AddSeconds(30)),
        PaymentFailed(r, T.AddDays(10)),
        PaymentFailed(r, T.AddDays(13)),
    ], r => Paid(r, status: "past_due"), _ => new Life("pro", PaymentFailedAt: T.AddDays(10), GraceUntil: T.AddDays(10) + Grace));

    [Fact]
    public Task Unpaid_has_free_limits_at_once() => ConvergesAsync("failed payments until unpaid", r =>
    [
        E("customer.subscription.created", Sub(r), T),
        PaymentFailed(r, T.AddDays(10)),
        E("customer.subscription.updated", Sub(r, status: "past_due"), T.AddDays(10)),
        E("customer.subscription.updated", Sub(r, status: "unpaid"), T.AddDays(17)),
    ], r => Paid(r, status: "unpaid"), _ => new Life("free", PaymentFailedAt: T.AddDays(10), GraceUntil: T.AddDays(10) + Grace));

    private async Task ConvergesAsync(string name, Func<Run, string[]> history, Func<Run, Row> expected, Func<Run, JsonObject>? stripeNow = null)
        => await ConvergesAsync(name, history, expected, null, stripeNow);

    private async Task ConvergesAsync(string name, Func<Run, string[]> history, Func<Run, Row> expected, Func<Run, Life>? expectedLife,
        Func<Run, JsonObject>? stripeNow = null)
    {
        var seed = name.Aggregate(17, (h, c) => unchecked(h * 31 + c));
        var random = new Random(seed);
        var length = history(NewRun()).Length;
        var orders = length <= 5 ? Permutations(length).ToList() : Enumerable.Range(0, RandomOrders).Select(_ => Shuffle(length, random)).ToList();
        var deliveries = orders.Select(order => WithDuplicates(order, random)).ToList();

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var applied = 0;
        await Parallel.ForEachAsync(deliveries, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (delivery, ct) =>
        {
            var run = NewRun();
            await Db.SeedTenantAsync(fixture.Env.SharedDatabase, run.Tenant, "free", BillingPeriod.CalendarMonth(ApplierFixture.Now).Start,
                BillingPeriod.CalendarMonth(ApplierFixture.Now).End);
            if (stripeNow is not null) fixture.Stripe.SetSubscription(stripeNow(run));
            var events = history(run);
            foreach (var index in delivery)
            {
                await fixture.App.ApplyAsync(events[index]);
                Interlocked.Increment(ref applied);
            }
            var (actual, life) = await ReadAsync(run.Tenant);
            if (actual != expected(run))
                failures.Add($"order [{string.Join(",", delivery)}]: {actual}");
            else if (expectedLife is not null && life != expectedLife(run))
                failures.Add($"order [{string.Join(",", delivery)}]: {life}");
        });

        output.WriteLine($"{name}: {orders.Count} orders of {length} events ({(length <= 5 ? "every permutation" : $"random, seed {seed}")}), " +
                         $"{applied} deliveries with duplicates, {failures.Count} diverged");
        Assert.True(failures.IsEmpty, $"{name}: expected {expected(NewRun()) with { SubscriptionId = "…", CustomerId = "…" }} {expectedLife?.Invoke(NewRun())}; " +
                                      $"{failures.Count} of {orders.Count} orders diverged, e.g. {string.Join(" | ", failures.Take(3))}");
    }

    private static Run NewRun() => new(Guid.NewGuid(), StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));

    /// <summary>The tenant's row as a history must leave it, and what it is told about its subscription's life.</summary>
    private async Task<(Row Row, Life Life)> ReadAsync(Guid tenant)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Env.SharedDatabase);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            """
            SELECT plan_tier, subscription_status, cancel_at_period_end, stripe_subscription_id, stripe_customer_id, billing_period_start,
                   limits_tier, trial_end, cancel_at, pending_plan_tier, pending_change_at, payment_failed_at, grace_until
            FROM tenants WHERE id = $1
            """, connection);
        command.Parameters.Add(new() { Value = tenant });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
        return (new Row(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), Text(3), Text(4), At(5)),
            new Life(reader.GetString(6), At(7), At(8), Text(9), At(10), At(11), At(12)));
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0)
        {
            yield return [];
            yield break;
        }
        foreach (var rest in Permutations(n - 1))
            for (var at = 0; at <= rest.Length; at++)
                yield return [.. rest[..at], n - 1, .. rest[at..]];
    }

    private static int[] Shuffle(int n, Random random)
    {
        var order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order);
        return order;
    }

    /// <summary>Stripe delivers at least once: about a third of the events come again, somewhere later.</summary>
    private static List<int> WithDuplicates(int[] order, Random random)
    {
        var delivery = order.ToList();
        foreach (var index in order)
            if (random.NextDouble() < 0.35)
                delivery.Insert(random.Next(delivery.IndexOf(index) + 1, delivery.Count + 1), index);
        return delivery;
    }
}
