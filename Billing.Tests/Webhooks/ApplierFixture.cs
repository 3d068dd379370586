using Billing.Core.Webhooks;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Webhooks;

/// <summary>
/// The one setup of the tests that drive <see cref="StripeEventApplier"/> directly: the app's services on real
/// PostgreSQL, a fake Stripe to ask when two updates tie or to reconcile with, and the steps every such test
/// takes (a new tenant, apply an event, read the tenant's row). Disposing it stops what it started.
/// </summary>
public sealed class Applier : IAsyncDisposable
{
    private Applier(TestEnvironment env, FakeStripe stripe, ServiceProvider services, string database)
    {
        Env = env;
        Stripe = stripe;
        Services = services;
        Database = database;
    }

    public TestEnvironment Env { get; }
    public FakeStripe Stripe { get; }
    public ServiceProvider Services { get; }

    /// <summary>The connection string of the database the services use.</summary>
    public string Database { get; }

    /// <param name="clock">null: the real clock.</param>
    /// <param name="ownDatabase">a database of its own, for a test that looks at every tenant (reconciliation).</param>
    /// <param name="settings">settings over the test defaults (a Stripe key of the other mode, demo mode).</param>
    public static async Task<Applier> StartAsync(TimeProvider? clock = null, bool ownDatabase = false, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var env = await TestEnvironment.GetAsync();
        var stripe = await FakeStripe.StartAsync();
        var database = ownDatabase ? await env.CreateDatabaseAsync() : env.SharedDatabase;
        var all = new Dictionary<string, string?> { ["STRIPE_API_BASE"] = stripe.BaseAddress.ToString() };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new Applier(env, stripe, env.CreateServices(all, clock, ownDatabase ? database : null), database);
    }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Applies one queue message (a Stripe event's JSON) in a scope of its own, as the queue trigger does; its outcome, null for a duplicate.</summary>
    public async Task<string?> ApplyAsync(string eventJson)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StripeEventApplier>().ApplyAsync(eventJson, default);
    }

    /// <summary>A tenant on the free plan for this calendar month.</summary>
    public async Task<Guid> NewTenantAsync()
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(Database, tenant, "free");
        return tenant;
    }

    public Task<T?> TenantAsync<T>(Guid tenant, string column) => Db.ScalarAsync<T>(Database, $"SELECT {column} FROM tenants WHERE id = $1", tenant);

    public Task<T?> ScalarAsync<T>(string sql, params object[] parameters) => Db.ScalarAsync<T>(Database, sql, parameters);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Stripe.DisposeAsync();
    }
}

/// <summary>One <see cref="Applier"/> for a test class, on the shared database, with a clock fixed at <see cref="Now"/>.</summary>
public sealed class ApplierFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    public Applier Applier { get; private set; } = null!;
    public TestEnvironment Env => Applier.Env;
    public FakeStripe Stripe => Applier.Stripe;
    public ServiceProvider Services => Applier.Services;

    public async Task InitializeAsync() => Applier = await Applier.StartAsync(new FixedNow(Now));

    public async Task DisposeAsync() => await Applier.DisposeAsync();
}

/// <summary>A clock that always reads the same time but whose timers run in real time (Stripe retry backoff still ends).</summary>
public sealed class FixedNow(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
