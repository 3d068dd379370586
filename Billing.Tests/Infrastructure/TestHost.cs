using Billing.DevHost;

namespace Billing.Tests.Infrastructure;

/// <summary>A running DevHost on a free loopback port, reached over real HTTP.</summary>
public sealed class TestHost(WebApplication app, Uri baseAddress, string settingsPath)
{
    public WebApplication App => app;
    public Uri BaseAddress => baseAddress;
    public string SettingsPath => settingsPath;
    public IServiceProvider Services => App.Services;
    public string StorageConnectionString => App.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["AzureWebJobsStorage"]!;

    /// <summary>A client whose every response is checked against openapi/billing.yaml (<see cref="ContractValidator"/>).</summary>
    public HttpClient CreateClient() => new(new ContractValidatingHandler()) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// A local.settings.json with these Values and the frontend as the CORS origin, in the run's own scratch folder
    /// (<c>BILLING_TEST_SCRATCH</c>, inside the state folder scripts/test.sh removes when the run ends): hosts read it
    /// for as long as they live, and the shared temp folder keeps nothing of a run.
    /// </summary>
    public static async Task<string> WriteSettingsAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var scratch = Environment.GetEnvironmentVariable("BILLING_TEST_SCRATCH") is { Length: > 0 } folder
            ? folder
            : throw new InvalidOperationException("BILLING_TEST_SCRATCH is not set: run the suite with scripts/test.sh.");
        Directory.CreateDirectory(scratch);
        var path = Path.Combine(scratch, $"billing-local-settings-{Guid.NewGuid():N}.json");
        var file = new
        {
            IsEncrypted = false,
            Values = settings,
            Host = new { CORS = TestEnvironment.FrontendOrigin, CORSCredentials = false },
        };
        await File.WriteAllTextAsync(path, System.Text.Json.JsonSerializer.Serialize(file));
        return path;
    }

    public static async Task<TestHost> StartAsync(IReadOnlyDictionary<string, string?> settings, TimeSpan? retryAfterFailure = null)
    {
        // The settings reach DevHost the way a developer's do: through a local.settings.json file,
        // which also carries the CORS origins that func start would honour.
        var path = await WriteSettingsAsync(settings);

        var (app, address) = await DevHostApp.StartAsync(new DevHostOptions
        {
            SettingsPath = path,
            Urls = "http://127.0.0.1:0",
            ApplyMigrations = false,
            // Quiet unless asked: drills make the hosts log expected failures at length.
            ConfigureLogging = logging => logging.SetMinimumLevel(
                Environment.GetEnvironmentVariable("BILLING_TEST_LOGS") is { Length: > 0 } ? LogLevel.Information : LogLevel.None),
            // Retries in milliseconds rather than seconds, so poison-queue tests finish quickly.
            ConfigureQueues = queues => queues with
            {
                VisibilityTimeout = retryAfterFailure ?? TimeSpan.FromMilliseconds(100),
                MaxPollingInterval = TimeSpan.FromMilliseconds(250),
                LeaseTime = TimeSpan.FromSeconds(5),
            },
        });
        return new TestHost(app, address, path);
    }
}
