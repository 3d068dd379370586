using Billing.DevHost;
using Billing.Functions;

namespace Billing.Tests.Http;

/// <summary>DevHost's own promises: the admin endpoint, timers on their schedule, and start-up checks.</summary>
public sealed class DevHostTests(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private readonly TestEnvironment _env = fixture.Env;

    private static Task SeedEndedTenantAsync(string database, Guid tenant) =>
        Db.SeedTenantAsync(database, tenant, "free", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero));

    private static Task<bool> RolledAsync(string database, Guid tenant) =>
        Db.ScalarAsync<bool>(database, "SELECT billing_period_end > now() FROM tenants WHERE id = $1", tenant);

    [Fact]
    public async Task Admin_endpoint_runs_the_rollover_timer_now()
    {
        var database = await _env.CreateDatabaseAsync();
        var settings = _env.Settings(database);
        settings["USAGE_ROLLOVER_SCHEDULE"] = "0 0 0 1 1 *"; // once a year: only the admin call can run it here
        var host = await _env.StartHostAsync(settings);
        var tenant = Guid.NewGuid();
        await SeedEndedTenantAsync(database, tenant);
        using var client = host.CreateClient();

        using var response = await client.PostAsync("/admin/functions/RolloverUsagePeriods", new StringContent("""{"input":""}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.True(await Eventually.TrueAsync(() => RolledAsync(database, tenant), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Timer_runs_on_its_ncrontab_schedule()
    {
        var database = await _env.CreateDatabaseAsync();
        var settings = _env.Settings(database);
        settings["USAGE_ROLLOVER_SCHEDULE"] = "* * * * * *"; // every second
        var tenant = Guid.NewGuid();
        await SeedEndedTenantAsync(database, tenant);

        await _env.StartHostAsync(settings);

        Assert.True(await Eventually.TrueAsync(() => RolledAsync(database, tenant), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Admin_endpoint_knows_only_non_http_functions()
    {
        using var client = (await _env.HostAsync()).CreateClient();
        using var unknown = await client.PostAsync("/admin/functions/NoSuchFunction", new StringContent("{}"));
        using var http = await client.PostAsync("/admin/functions/GetPlans", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, http.StatusCode);
    }

    [Theory]
    [InlineData("AUTH_JWT_SIGNING_KEY", "too-short")]
    [InlineData("BILLING_DATABASE", "")]
    [InlineData("STRIPE_WEBHOOK_SECRET", "not-a-whsec")]
    [InlineData("FRONTEND_BASE_URL", "localhost:3000")]
    [InlineData("USAGE_ROLLOVER_SCHEDULE", "every hour")]
    [InlineData("BILLING_ENABLED", "maybe")]
    [InlineData("USAGE_IDEMPOTENCY_RETENTION_DAYS", "7")]
    [InlineData("USAGE_IDEMPOTENCY_RETENTION_DAYS", "forever")]
    [InlineData("STRIPE_API_BASE", "ftp://example")]
    [InlineData("STRIPE_PRICE_PRO_YEARLY", "price_test_pro")]
    [InlineData("STRIPE_PORTAL_CONFIGURATION", "portal-1")]
    [InlineData("STRIPE_ALLOW_PROMOTION_CODES", "sometimes")]
    [InlineData("STRIPE_AUTOMATIC_TAX", "yes please")]
    [InlineData("STRIPE_TAX_ID_COLLECTION", "2")]
    [InlineData("AzureWebJobsStorage", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;")]
    public async Task Bad_setting_stops_start_up_with_one_line_naming_it(string setting, string value)
    {
        var settings = _env.Settings();
        settings[setting] = value;

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var (app, _) = await DevHostApp.StartAsync(new DevHostOptions
            {
                IgnoreLocalSettings = true, Overrides = settings, Urls = "http://127.0.0.1:0", ApplyMigrations = false,
            });
            await app.DisposeAsync();
        });

        var message = HostStartup.FindConfigurationError(error);
        Assert.NotNull(message);
        Assert.Contains(setting, message);
        Assert.DoesNotContain('\n', message);
    }
}
