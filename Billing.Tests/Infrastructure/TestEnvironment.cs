using Billing.Core.Data;
using Billing.DevHost;
using Billing.Functions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting.Internal;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// The real services of one test run: the PostgreSQL cluster and Azurite that scripts/test.sh started,
/// a migrated template database, a shared database cloned from it, and DevHosts started once per settings
/// profile. Everything is created once per run and shared; each test makes its own tenants, or its own
/// database when it needs the whole table to itself.
/// </summary>
public sealed class TestEnvironment
{
    public const string WebhookSecret = "whsec_test_fixture_secret_not_real";
    public const string SecondWebhookSecret = "whsec_test_fixture_rotated_secret_not_real";
    public const string FrontendOrigin = "http://localhost:3000";

    private static readonly Lazy<Task<TestEnvironment>> Instance = new(CreateAsync);
    private readonly ConcurrentDictionary<string, Lazy<Task<TestHost>>> _hosts = new();
    private readonly ConcurrentQueue<string> _storageAccounts;
    private int _databases;

    private TestEnvironment(string adminConnectionString, string storage, IEnumerable<string> storageAccounts)
    {
        AdminConnectionString = adminConnectionString;
        StorageConnectionString = storage;
        SharedDatabase = ConnectionStringFor("billing_shared");
        _storageAccounts = new ConcurrentQueue<string>(storageAccounts);
    }

    public static Task<TestEnvironment> GetAsync() => Instance.Value;

    public string AdminConnectionString { get; }
    public string StorageConnectionString { get; }
    public string SharedDatabase { get; }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database }.ConnectionString;

    /// <summary>
    /// Queue and blob storage of its own: an Azurite account nobody else uses, so a DevHost polling it never takes
    /// another host's messages. scripts/test.sh starts Azurite with these accounts.
    /// </summary>
    public string CreateStorageAccount()
    {
        if (!_storageAccounts.TryDequeue(out var account))
            throw new InvalidOperationException("No Azurite account left; add more in scripts/test.sh.");
        var port = Environment.GetEnvironmentVariable("BILLING_TEST_AZURITE_PORT");
        var blobPort = Environment.GetEnvironmentVariable("BILLING_TEST_AZURITE_BLOB_PORT");
        var key = Environment.GetEnvironmentVariable("BILLING_TEST_AZURITE_KEY");
        return $"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={key};QueueEndpoint=http://127.0.0.1:{port}/{account};BlobEndpoint=http://127.0.0.1:{blobPort}/{account};";
    }

    /// <summary>A fresh database with the current schema, for tests that need tables to themselves.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"billing_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await ExecuteAdminAsync($"CREATE DATABASE {name} TEMPLATE billing_template");
        return ConnectionStringFor(name);
    }

    /// <summary>A database with no schema at all, for tests of the migrations themselves.</summary>
    public async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"billing_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}_empty";
        await ExecuteAdminAsync($"CREATE DATABASE {name}");
        return ConnectionStringFor(name);
    }

    /// <summary>
    /// Settings every host and service provider in the tests starts from: enforcing, not demo. The list is
    /// local.settings.sample.json's (the one list of settings); the tests replace only the values that must differ,
    /// and naming a setting the sample does not have fails, so a new setting cannot exist in the tests alone.
    /// </summary>
    public Dictionary<string, string?> Settings(string? database = null)
    {
        var settings = SampleSettings();
        var test = new Dictionary<string, string?>
        {
            ["BILLING_DATABASE"] = database ?? SharedDatabase,
            ["AzureWebJobsStorage"] = StorageConnectionString,
            ["STRIPE_SECRET_KEY"] = "sk_test_fixture_not_a_real_key",
            ["STRIPE_WEBHOOK_SECRET"] = WebhookSecret,
            ["STRIPE_PRICE_PRO"] = "price_test_pro",
            ["STRIPE_PRICE_ENTERPRISE"] = "price_test_enterprise",
            ["STRIPE_PRICE_PRO_YEARLY"] = "price_test_pro_yearly",
            ["STRIPE_PRICE_ENTERPRISE_YEARLY"] = "price_test_enterprise_yearly",
            ["STRIPE_API_BASE"] = "http://127.0.0.1:9",
            ["BILLING_ENABLED"] = "true",
            ["DEMO_MODE"] = "false",
            ["FRONTEND_BASE_URL"] = FrontendOrigin,
            ["AUTH_JWT_ISSUER"] = TestTokens.Issuer,
            ["AUTH_JWT_AUDIENCE"] = TestTokens.Audience,
            ["AUTH_JWT_SIGNING_KEY"] = TestTokens.SigningKey,
            ["AUTH_JWT_AUTHORITY"] = "",
            ["STRIPE_RECONCILE_SCHEDULE"] = "0 0 0 1 1 *", // once a year: tests run it on demand
        };
        foreach (var (key, value) in test)
        {
            if (!settings.ContainsKey(key))
                throw new InvalidOperationException($"{key} is not in local.settings.sample.json, the one list of settings.");
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>The Values of local.settings.sample.json.</summary>
    public static Dictionary<string, string?> SampleSettings()
    {
        using var sample = System.Text.Json.JsonDocument.Parse(File.ReadAllText(RepoPaths.Of("local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    /// <summary>Billing.Core and Billing.Functions services without a host, on the real database.</summary>
    public ServiceProvider CreateServices(IReadOnlyDictionary<string, string?>? overrides = null, TimeProvider? clock = null, string? database = null,
        Action<IServiceCollection>? configure = null)
    {
        var settings = Settings(database);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        // Like DevHost, a local run: Development (where DEMO_MODE=true is allowed). Without it the app assumes Production.
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development, ApplicationName = "Billing.Tests" });
        if (clock is not null) services.AddSingleton(clock);
        services.AddBilling(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    /// <summary>A DevHost over real HTTP, started once per distinct set of overrides.</summary>
    public Task<TestHost> HostAsync(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = Settings();
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>()) settings[key] = value;
        var profile = string.Join(";", settings.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));
        return _hosts.GetOrAdd(profile, _ => new Lazy<Task<TestHost>>(() => StartHostAsync(settings))).Value;
    }

    /// <summary>A DevHost of the caller's own (not shared with other tests), on its own queue storage.</summary>
    public Task<TestHost> StartHostAsync(Dictionary<string, string?> settings, TimeSpan? retryAfterFailure = null)
    {
        if (settings["AzureWebJobsStorage"] == StorageConnectionString)
            settings["AzureWebJobsStorage"] = CreateStorageAccount();
        return TestHost.StartAsync(settings, retryAfterFailure);
    }

    /// <summary>Applies the migrations to a database (one a drill started itself).</summary>
    public static async Task MigrateAsync(string connectionString)
    {
        var options = new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(connectionString).UseSnakeCaseNamingConvention().Options;
        await using var db = new BillingDbContext(options);
        await db.Database.MigrateAsync();
    }

    private static async Task<TestEnvironment> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable("BILLING_TEST_DATABASE");
        var storage = Environment.GetEnvironmentVariable("BILLING_TEST_STORAGE");
        if (string.IsNullOrEmpty(admin) || string.IsNullOrEmpty(storage))
        {
            throw new InvalidOperationException(
                "BILLING_TEST_DATABASE and BILLING_TEST_STORAGE are not set. Run the suite with scripts/test.sh, " +
                "which starts a throwaway PostgreSQL and Azurite and sets them.");
        }

        var accounts = (Environment.GetEnvironmentVariable("BILLING_TEST_AZURITE_ACCOUNTS") ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries).Where(a => a != "devstoreaccount1");
        var environment = new TestEnvironment(admin, storage, accounts);
        await environment.ExecuteAdminAsync("DROP DATABASE IF EXISTS billing_shared");
        await environment.ExecuteAdminAsync("DROP DATABASE IF EXISTS billing_template");
        await environment.ExecuteAdminAsync("CREATE DATABASE billing_template");

        var options = new DbContextOptionsBuilder<BillingDbContext>()
            .UseNpgsql(environment.ConnectionStringFor("billing_template"))
            .UseSnakeCaseNamingConvention()
            .Options;
        await using (var db = new BillingDbContext(options))
            await db.Database.MigrateAsync();
        NpgsqlConnection.ClearAllPools();

        await environment.ExecuteAdminAsync("CREATE DATABASE billing_shared TEMPLATE billing_template");
        return environment;
    }

    private async Task ExecuteAdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
