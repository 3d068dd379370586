namespace Billing.Tests.Data;

public sealed class SchemaTests(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private readonly TestEnvironment _env = fixture.Env;

    [Fact]
    public async Task Duplicate_usage_period_is_rejected()
    {
        var tenant = Guid.NewGuid();
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        await Db.SeedTenantAsync(_env.SharedDatabase, tenant, "free", start, start.AddMonths(1));
        const string insert = """
            INSERT INTO usage_records (id, tenant_id, period_start, period_end, shipments_count, escrows_count, api_calls_count, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, $2, $3, 0, 0, 0, now(), now())
            """;
        await Db.ExecuteAsync(_env.SharedDatabase, insert, tenant, start, start.AddMonths(1));

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(_env.SharedDatabase, insert, tenant, start, start.AddMonths(1)));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Equal("ix_usage_records_tenant_id_period_start", error.ConstraintName);
    }

    [Fact]
    public async Task Duplicate_stripe_event_id_is_rejected()
    {
        const string insert = """
            INSERT INTO webhook_events (id, stripe_event_id, event_type, payload, received_at)
            VALUES (gen_random_uuid(), $1, 'invoice.paid', '{}'::jsonb, now())
            """;
        var eventId = $"evt_{Guid.NewGuid():N}";
        await Db.ExecuteAsync(_env.SharedDatabase, insert, eventId);

        var error = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(_env.SharedDatabase, insert, eventId));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [Fact]
    public async Task Stripe_customer_belongs_to_one_tenant()
    {
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        await Db.SeedTenantAsync(_env.SharedDatabase, a, "free", start, start.AddMonths(1));
        await Db.SeedTenantAsync(_env.SharedDatabase, b, "free", start, start.AddMonths(1));
        var customer = $"cus_{Guid.NewGuid():N}";
        await Db.ExecuteAsync(_env.SharedDatabase, "UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1", a, customer);

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecuteAsync(_env.SharedDatabase, "UPDATE tenants SET stripe_customer_id = $2 WHERE id = $1", b, customer));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [Fact]
    public async Task Unknown_plan_tier_and_negative_counts_are_rejected()
    {
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var tier = await Assert.ThrowsAsync<PostgresException>(() => Db.SeedTenantAsync(_env.SharedDatabase, Guid.NewGuid(), "gold", start, start.AddMonths(1)));
        Assert.Equal(PostgresErrorCodes.CheckViolation, tier.SqlState);

        var tenant = Guid.NewGuid();
        await Db.SeedTenantAsync(_env.SharedDatabase, tenant, "free", start, start.AddMonths(1));
        var count = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(_env.SharedDatabase,
            """
            INSERT INTO usage_records (id, tenant_id, period_start, period_end, shipments_count, escrows_count, api_calls_count, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, $2, $3, -1, 0, 0, now(), now())
            """, tenant, start, start.AddMonths(1)));
        Assert.Equal(PostgresErrorCodes.CheckViolation, count.SqlState);
    }
}
