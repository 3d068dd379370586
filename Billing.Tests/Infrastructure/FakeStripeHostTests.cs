namespace Billing.Tests.Infrastructure;

/// <summary>
/// The base of the test classes that share a <see cref="FakeStripeHost"/>: its environment, fake Stripe and a client
/// of its DevHost (disposed with the test), and the tenants those tests arrange.
/// </summary>
public abstract class FakeStripeHostTests(FakeStripeHost fixture) : IClassFixture<FakeStripeHost>, IDisposable
{
    protected TestEnvironment Env { get; } = fixture.Environment;
    protected FakeStripe Stripe { get; } = fixture.Stripe;
    protected TestHost Host { get; } = fixture.Host;
    protected HttpClient Client { get; } = fixture.Host.CreateClient();

    public void Dispose() => Client.Dispose();

    /// <summary>A tenant on <paramref name="tier"/> this month that already has a Stripe customer (and, if given, a currency).</summary>
    protected async Task<Guid> TenantWithCustomerAsync(string customerId, string tier = "free", string status = "active", string? currency = null)
    {
        var tenant = Guid.NewGuid();
        await Db.SeedTenantThisMonthAsync(Env.SharedDatabase, tenant, tier);
        await Db.ExecuteAsync(Env.SharedDatabase, "UPDATE tenants SET stripe_customer_id = $2, subscription_status = $3 WHERE id = $1", tenant, customerId, status);
        if (currency is not null) await Db.ExecuteAsync(Env.SharedDatabase, "UPDATE tenants SET currency = $2 WHERE id = $1", tenant, currency);
        return tenant;
    }
}
