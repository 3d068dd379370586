namespace Billing.Tests.Usage;

/// <summary>The rollover timer's SQL on a database of its own (it touches every tenant).</summary>
public sealed class UsageRolloverTests() : OwnDatabaseTests(Now)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 5, 0, 0, TimeSpan.Zero);

    /// <summary>Tenants whose periods ended at assorted times, month-end starts among them.</summary>
    private async Task<Dictionary<Guid, (DateTimeOffset Start, DateTimeOffset End)>> SeedEndedTenantsAsync(int count)
    {
        var starts = new[]
        {
            new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 31, 13, 30, 0, TimeSpan.Zero),
            new DateTimeOffset(2025, 12, 29, 23, 59, 59, TimeSpan.Zero),
            new DateTimeOffset(2026, 10, 27, 5, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2024, 2, 29, 8, 0, 0, TimeSpan.Zero),
        };
        var tenants = Enumerable.Range(0, count).ToDictionary(_ => Guid.NewGuid(), i => (Start: starts[i % starts.Length], End: starts[i % starts.Length].AddMonths(1)));

        await using var connection = new NpgsqlConnection(App.Database);
        await connection.OpenAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY tenants (id, plan_tier, subscription_status, cancel_at_period_end, billing_period_start, billing_period_end, created_at, updated_at) FROM STDIN (FORMAT BINARY)");
        foreach (var (id, period) in tenants)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(id);
            await writer.WriteAsync("free");
            await writer.WriteAsync("active");
            await writer.WriteAsync(false);
            await writer.WriteAsync(period.Start);
            await writer.WriteAsync(period.End);
            await writer.WriteAsync(Now);
            await writer.WriteAsync(Now);
        }
        await writer.CompleteAsync();
        return tenants;
    }

    [Fact]
    public async Task Ten_thousand_ended_periods_roll_in_one_run_and_a_second_run_changes_nothing()
    {
        var tenants = await SeedEndedTenantsAsync(10_000);
        var rollover = App.Services.GetRequiredService<UsageRollover>();

        var first = await rollover.RunAsync(default);
        var second = await rollover.RunAsync(default);

        Assert.Equal(new RolloverResult(10_000, 10_000), first);
        Assert.Equal(new RolloverResult(0, 0), second);
        Assert.Equal(0L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM tenants WHERE billing_period_end <= $1", Now));
        Assert.Equal(10_000L, await Db.ScalarAsync<long>(App.Database,
            "SELECT count(*) FROM tenants t JOIN usage_records u ON u.tenant_id = t.id AND u.period_start = t.billing_period_start AND u.period_end = t.billing_period_end"));
        Assert.Equal(10_000L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM usage_records"));

        // The SQL and BillingPeriod.Current (what consume uses before the timer runs) agree on every tenant.
        await using var connection = new NpgsqlConnection(App.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, billing_period_start, billing_period_end FROM tenants", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var seeded = tenants[reader.GetGuid(0)];
            var expected = BillingPeriod.Current(seeded.Start, seeded.End, Now);
            Assert.Equal(expected, new BillingPeriod(reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
    }

    [Fact]
    public async Task A_batch_reaches_its_tenants_through_the_primary_key_not_a_scan_of_every_tenant()
    {
        await SeedEndedTenantsAsync(20_000);
        await using var connection = new NpgsqlConnection(App.Database);
        await connection.OpenAsync();
        await using (var analyze = new NpgsqlCommand("ANALYZE tenants", connection)) await analyze.ExecuteNonQueryAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + UsageRollover.RollBatchSql, connection, tx)
        {
            Parameters = { new("now", Now), new("after", Guid.Empty), new("batch", UsageRollover.PeriodBatch) },
        };
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        await tx.RollbackAsync();

        // A batch touches a thousand tenants: a plan that reads all twenty thousand makes the run cost a table per batch.
        Assert.DoesNotContain(plan, line => line.Contains("Seq Scan on tenants", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_runs_roll_each_period_once()
    {
        await SeedEndedTenantsAsync(2_000);
        var rollover = App.Services.GetRequiredService<UsageRollover>();

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => rollover.RunAsync(default))));

        Assert.Equal(2_000, results.Sum(r => r.TenantsRolled));
        Assert.Equal(2_000, results.Sum(r => r.UsageRowsCreated));
        Assert.Equal(0L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM tenants WHERE billing_period_end <= $1", Now));
    }

    [Fact]
    public async Task Rollover_commits_batch_by_batch_so_a_held_tenant_stalls_only_its_own_batch()
    {
        var tenants = await SeedEndedTenantsAsync(UsageRollover.PeriodBatch * 2 + 500);
        var last = await Db.ScalarAsync<Guid>(App.Database, "SELECT id FROM tenants ORDER BY id DESC LIMIT 1");
        // A consume-like share lock on the tenant that comes last in id order: the batch that holds it waits for it.
        await using var hold = await Db.HoldAsync(App.Database, "SELECT 1 FROM tenants WHERE id = $1 FOR SHARE", last);
        var run = Task.Run(() => App.Services.GetRequiredService<UsageRollover>().RunAsync(default));
        Assert.True(await Eventually.TrueAsync(() => Db.BlocksSomeoneAsync(App.Database, hold.ProcessId), TimeSpan.FromSeconds(60)),
            "the rollover never reached the held tenant");

        // While the last batch waits, every batch before it is committed: their tenants are rolled and free to consume.
        Assert.Equal((long)UsageRollover.PeriodBatch * 2, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM tenants WHERE billing_period_end > $1", Now));
        await hold.ReleaseAsync();
        Assert.Equal(new RolloverResult(tenants.Count, tenants.Count), await run);
        Assert.Equal(0L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM tenants WHERE billing_period_end <= $1", Now));
    }

    [Fact]
    public async Task A_period_a_webhook_changes_while_its_batch_waits_is_left_for_the_next_run()
    {
        var tenants = await SeedEndedTenantsAsync(50);
        var (tenant, period) = tenants.First(t => t.Value.Start == new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero));
        var (start, end) = (period.Start.AddDays(1), period.End.AddDays(1)); // still ended, but not the period the batch read
        // A webhook's transaction writes the tenant's period; the rollover reads the old one and waits for the row.
        await using var webhook = await Db.HoldAsync(App.Database,
            "UPDATE tenants SET billing_period_start = $2, billing_period_end = $3 WHERE id = $1", tenant, start, end);
        var run = Task.Run(() => App.Services.GetRequiredService<UsageRollover>().RunAsync(default));
        Assert.True(await Eventually.TrueAsync(() => Db.BlocksSomeoneAsync(App.Database, webhook.ProcessId), TimeSpan.FromSeconds(60)),
            "the rollover never reached the tenant the webhook holds");
        await webhook.CommitAsync();

        Assert.Equal(new RolloverResult(tenants.Count - 1, tenants.Count - 1), await run);
        Assert.Equal(start.UtcDateTime, await Db.ScalarAsync<DateTime>(App.Database, "SELECT billing_period_start FROM tenants WHERE id = $1", tenant));
        Assert.Equal(end.UtcDateTime, await Db.ScalarAsync<DateTime>(App.Database, "SELECT billing_period_end FROM tenants WHERE id = $1", tenant));
    }

    [Fact]
    public async Task Periods_in_force_are_left_alone_and_existing_usage_is_kept()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantAsync(App.Database, tenant, "pro", Now.AddDays(-3), Now.AddDays(27));
        var usage = App.Services.GetRequiredService<UsageService>();
        await usage.ConsumeAsync(tenant, "shipments", 7, null, default);

        await App.Services.GetRequiredService<UsageRollover>().RunAsync(default);

        Assert.Equal(Now.AddDays(-3), await Db.ScalarAsync<DateTime>(App.Database, "SELECT billing_period_start FROM tenants WHERE id = $1", tenant));
        Assert.Equal(7, (await usage.GetAsync(tenant, default)).Shipments.Used);
    }

    /// <summary>A pro tenant on a yearly subscription billed for [stripeStart, stripeEnd), whose stored month slice is [sliceStart, sliceEnd).</summary>
    private async Task<Guid> SeedYearlyTenantAsync(DateTimeOffset stripeStart, DateTimeOffset stripeEnd, DateTimeOffset sliceStart, DateTimeOffset sliceEnd)
    {
        var tenant = Guid.NewGuid();
        var subscription = $"sub_{Guid.NewGuid():N}";
        await Db.SeedTenantAsync(App.Database, tenant, "pro", sliceStart, sliceEnd);
        await Db.ExecuteAsync(App.Database, """
            INSERT INTO subscriptions (id, tenant_id, plan_tier, billing_interval, status, cancel_at_period_end, period_start, period_end, ended, created_at, updated_at)
            VALUES ($1, $2, 'pro', 'year', 'active', false, $3, $4, false, now(), now())
            """, subscription, tenant, stripeStart, stripeEnd);
        await Db.ExecuteAsync(App.Database, "UPDATE tenants SET stripe_subscription_id = $1, billing_interval = 'year' WHERE id = $2", subscription, tenant);
        return tenant;
    }

    private async Task<BillingPeriod> StoredPeriodAsync(Guid tenant) => new(
        await Db.ScalarAsync<DateTime>(App.Database, "SELECT billing_period_start FROM tenants WHERE id = $1", tenant),
        await Db.ScalarAsync<DateTime>(App.Database, "SELECT billing_period_end FROM tenants WHERE id = $1", tenant));

    private static DateTimeOffset Utc(int y, int m, int d) => new(y, m, d, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Yearly_slice_anchored_at_the_31st_rolls_to_the_31st_not_to_the_clamped_day()
    {
        // Stripe bills 31 January to 31 January; the stored slice [30 Sep, 31 Oct) has ended at Now (27 Nov).
        var tenant = await SeedYearlyTenantAsync(Utc(2026, 1, 31), Utc(2027, 1, 31), Utc(2026, 9, 30), Utc(2026, 10, 31));

        await App.Services.GetRequiredService<UsageRollover>().RunAsync(default);

        Assert.Equal(new BillingPeriod(Utc(2026, 10, 31), Utc(2026, 11, 30)), await StoredPeriodAsync(tenant));
        Assert.Equal(BillingPeriod.MonthSlice(Utc(2026, 1, 31), Utc(2027, 1, 31), Now), await StoredPeriodAsync(tenant));
        Assert.Equal(1L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM usage_records WHERE tenant_id = $1 AND period_start = $2", tenant, Utc(2026, 10, 31)));
    }

    [Fact]
    public async Task Yearly_slice_stops_at_the_stripe_period_end()
    {
        // A Stripe period that ends off the month grid (30 Nov, from a 15th anchor): the last slice ends with it.
        var tenant = await SeedYearlyTenantAsync(Utc(2026, 1, 15), Utc(2026, 11, 30), Utc(2026, 10, 15), Utc(2026, 11, 15));

        await App.Services.GetRequiredService<UsageRollover>().RunAsync(default);

        Assert.Equal(new BillingPeriod(Utc(2026, 11, 15), Utc(2026, 11, 30)), await StoredPeriodAsync(tenant));
    }

    private async Task<Guid> SeedKeysAsync(int expired, int kept)
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantAsync(App.Database, tenant, "pro", Now.AddDays(-3), Now.AddDays(27));
        await Db.ExecuteAsync(App.Database, """
            INSERT INTO usage_consumptions (tenant_id, idempotency_key, resource, quantity, used, plan_limit, period_start, created_at)
            SELECT $1, 'old-' || i, 'shipments', 1, i, 1000, $2, $2 - interval '1 minute' * i FROM generate_series(1, $3) i
            UNION ALL
            SELECT $1, 'new-' || i, 'shipments', 1, i, 1000, $4, $4 FROM generate_series(1, $5) i
            """, tenant, Now.AddDays(-45), expired, Now.AddDays(-44), kept);
        return tenant;
    }

    [Fact]
    public async Task Keys_older_than_the_retention_are_deleted_in_batches_and_newer_ones_kept()
    {
        var tenant = await SeedKeysAsync(expired: UsageRollover.KeyDeleteBatch * 2 + 17, kept: 10);

        var result = await App.Services.GetRequiredService<UsageRollover>().RunAsync(default);

        Assert.Equal(UsageRollover.KeyDeleteBatch * 2 + 17, result.KeysDeleted);
        Assert.Equal(10L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM usage_consumptions WHERE tenant_id = $1 AND idempotency_key LIKE 'new-%'", tenant));
        Assert.Equal(10L, await Db.ScalarAsync<long>(App.Database, "SELECT count(*) FROM usage_consumptions"));
    }

    [Fact]
    public async Task Key_sweep_passes_over_a_key_in_use_instead_of_waiting_for_it()
    {
        var tenant = await SeedKeysAsync(expired: 50, kept: 0);
        await using var hold = await Db.HoldAsync(App.Database,
            "SELECT 1 FROM usage_consumptions WHERE tenant_id = $1 AND idempotency_key = 'old-7' FOR UPDATE", tenant);
        var rollover = App.Services.GetRequiredService<UsageRollover>();

        var whileHeld = await rollover.DeleteExpiredKeysAsync(default);
        await hold.ReleaseAsync();
        var afterwards = await rollover.DeleteExpiredKeysAsync(default);

        Assert.Equal(49, whileHeld);
        Assert.Equal(1, afterwards);
    }

    [Fact]
    public void Retention_defaults_to_45_days()
    {
        Assert.Equal(45, App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Billing.Core.BillingOptions>>().Value.IdempotencyRetentionDays);
    }
}
