namespace Billing.Tests.Webhooks;

/// <summary>
/// Live and test mode never mix: an event is applied only when its <c>livemode</c> matches the mode of
/// STRIPE_SECRET_KEY (<c>sk_live_</c>/<c>rk_live_</c> live, anything else test; demo mode is test).
/// </summary>
public sealed class EventModeTests(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private const string ProPrice = "price_test_pro";
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddMinutes(-30);
    private readonly TestEnvironment _env = fixture.Env;

    private static async Task<string?> ApplyAsync(IReadOnlyDictionary<string, string?> settings, string eventJson)
    {
        await using var applier = await AppServices.StartAsync(settings: settings);
        return await applier.ApplyAsync(eventJson);
    }

    private static Dictionary<string, string?> Key(string key) => new() { ["STRIPE_SECRET_KEY"] = key };

    private static readonly Dictionary<string, string?> Demo = new() { ["DEMO_MODE"] = "true" };

    public static TheoryData<string, bool> KeysAndTheOtherMode => new()
    {
        { "sk_test_fixture_not_a_real_key", true },
        { "rk_test_fixture_not_a_real_key", true },
        { "sk_live_fixture_not_a_real_key", false },
        { "rk_live_fixture_not_a_real_key", false },
    };

    [Theory]
    [MemberData(nameof(KeysAndTheOtherMode))]
    public async Task Event_of_the_other_mode_than_the_key_is_ignored_and_changes_nothing(string key, bool otherMode)
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, tenant, "free");
        var (customer, subscription) = (StripeEvents.NewId("cus"), StripeEvents.NewId("sub"));
        var checkout = StripeEvents.Event("checkout.session.completed", StripeEvents.CheckoutSession(tenant, customer, subscription), T0, liveMode: otherMode);
        var created = StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, customer, subscription, ProPrice, T0, T0.AddMonths(1)), T0.AddSeconds(1), liveMode: otherMode);

        Assert.Equal("ignored", await ApplyAsync(Key(key), checkout));
        Assert.Equal("ignored", await ApplyAsync(Key(key), created));

        Assert.Equal("free", await TenantAsync<string>(tenant, "plan_tier"));
        Assert.Null(await TenantAsync<string>(tenant, "stripe_customer_id"));
        Assert.Null(await TenantAsync<string>(tenant, "stripe_subscription_id"));
        Assert.Equal(0L, await Db.ScalarAsync<long>(_env.SharedDatabase, "SELECT count(*) FROM subscriptions WHERE tenant_id = $1", tenant));
        Assert.Equal(2L, await Db.ScalarAsync<long>(_env.SharedDatabase,
            "SELECT count(*) FROM webhook_events WHERE outcome = 'ignored' AND payload->'data'->'object'->>'customer' = $1", customer));
    }

    [Theory]
    [InlineData("sk_test_fixture_not_a_real_key", false)]
    [InlineData("sk_live_fixture_not_a_real_key", true)]
    [InlineData("rk_live_fixture_not_a_real_key", true)]
    public async Task Event_of_the_keys_own_mode_is_applied(string key, bool mode)
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, tenant, "free");
        var created = StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), ProPrice, T0, T0.AddMonths(1)), T0, liveMode: mode);

        Assert.Equal("applied", await ApplyAsync(Key(key), created));
        Assert.Equal("pro", await TenantAsync<string>(tenant, "plan_tier"));
    }

    [Fact]
    public async Task Demo_mode_applies_test_mode_events_only()
    {
        var (live, test) = (Guid.NewGuid(), Guid.NewGuid());
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, live, "free");
        await Db.SeedTenantThisMonthAsync(_env.SharedDatabase, test, "free");
        string Created(Guid tenant, bool mode) => StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(tenant, StripeEvents.NewId("cus"), StripeEvents.NewId("sub"), ProPrice, T0, T0.AddMonths(1)), T0, liveMode: mode);

        Assert.Equal("ignored", await ApplyAsync(Demo, Created(live, mode: true)));
        Assert.Equal("applied", await ApplyAsync(Demo, Created(test, mode: false)));

        Assert.Equal("free", await TenantAsync<string>(live, "plan_tier"));
        Assert.Equal("pro", await TenantAsync<string>(test, "plan_tier"));
    }

    private Task<T?> TenantAsync<T>(Guid tenant, string column) =>
        Db.ScalarAsync<T>(_env.SharedDatabase, $"SELECT {column} FROM tenants WHERE id = $1", tenant);
}
