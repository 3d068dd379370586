namespace Billing.Tests.Infrastructure;

/// <summary>
/// The one setup of the tests that drive Core's services directly, the webhook applier's above all: the app's
/// services on real PostgreSQL (the shared database, or one of its own), a fake Stripe to ask when two updates tie
/// or to reconcile with, and the steps every such test takes (a new tenant, apply an event, read the tenant's row).
/// Disposing it stops what it started.
/// </summary>
public sealed class AppServices(TestEnvironment env, FakeStripe stripe, ServiceProvider services, string database) : IAsyncDisposable
{
    public TestEnvironment Env => env;
    public FakeStripe Stripe => stripe;
    public ServiceProvider Services => services;

    /// <summary>The connection string of the database the services use.</summary>
    public string Database => database;

    /// <param name="clock">null: the real clock.</param>
    /// <param name="ownDatabase">a database of its own, for a test that looks at every tenant (reconciliation).</param>
    /// <param name="settings">settings over the test defaults (a Stripe key of the other mode, demo mode).</param>
    public static async Task<AppServices> StartAsync(TimeProvider? clock = null, bool ownDatabase = false, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var env = await TestEnvironment.GetAsync();
        var stripe = await FakeStripe.StartAsync();
        var database = ownDatabase ? await env.CreateDatabaseAsync() : env.SharedDatabase;
        var all = new Dictionary<string, string?> { ["STRIPE_API_BASE"] = stripe.BaseAddress.ToString() };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return new AppServices(env, stripe, env.CreateServices(all, clock, ownDatabase ? database : null), database);
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
