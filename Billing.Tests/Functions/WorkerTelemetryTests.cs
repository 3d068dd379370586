using Microsoft.ApplicationInsights;
using Microsoft.ApplicationInsights.Channel;
using Microsoft.ApplicationInsights.WindowsServer.TelemetryChannel;
using Microsoft.Extensions.Logging.ApplicationInsights;
using System.IO.Compression;

namespace Billing.Tests.Functions;

/// <summary>
/// The worker's own telemetry, as Program.cs wires it in Azure: Information logs are not filtered away before
/// Application Insights, and with local auth disabled they go to ingestion with a managed-identity token.
/// </summary>
[Collection(nameof(ProcessEnvironment))]
public sealed class WorkerTelemetryTests
{
    private static readonly string Provider = typeof(ApplicationInsightsLoggerProvider).FullName!;

    [Fact]
    public void Application_insights_logger_gets_information_logs_as_the_worker_builds_its_rules()
    {
        using var host = WorkerHost.Build(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:9/",
        });
        var rules = host.Services.GetRequiredService<IOptions<LoggerFilterOptions>>().Value.Rules;

        // The provider is there (telemetry is on) and no rule holds it above Information.
        Assert.Contains(host.Services.GetServices<ILoggerProvider>(), p => p is ApplicationInsightsLoggerProvider);
        var stricter = rules.Where(r => (r.ProviderName == Provider || r.ProviderName == "ApplicationInsights") && r.LogLevel > LogLevel.Information).ToList();
        Assert.True(stricter.Count == 0, "Rules that keep Information logs from Application Insights: " + string.Join("; ", stricter));
    }

    [Fact]
    public async Task Worker_information_logs_reach_ingestion_with_a_managed_identity_token()
    {
        await using var azure = await FakeAzure.StartAsync();
        using var identity = ProcessEnvironment.Set(new()
        {
            // What App Service / Flex Consumption gives a process with a system-assigned identity.
            ["IDENTITY_ENDPOINT"] = new Uri(azure.BaseAddress, "msi/token").ToString(),
            ["IDENTITY_HEADER"] = FakeAzure.IdentityHeader,
        });
        // The channel's own storage folder: by default it shares /var/tmp/Microsoft/ApplicationInsights/<hash> with every
        // earlier run of this test and replays what those left there (other markers, other tokens) before ours.
        var storage = Directory.CreateTempSubdirectory("billing-telemetry-");
        using var host = WorkerHost.Build(new Dictionary<string, string?>
        {
            ["APPLICATIONINSIGHTS_CONNECTION_STRING"] =
                $"InstrumentationKey=00000000-0000-0000-0000-000000000002;IngestionEndpoint={azure.BaseAddress};LiveEndpoint={azure.BaseAddress}",
            ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "Authorization=AAD", // as infra/modules/functionapp.bicep sets it
        }, before: services => services.AddSingleton<ITelemetryChannel>(new ServerTelemetryChannel { StorageFolder = storage.FullName }));
        var marker = Guid.NewGuid().ToString("N");

        host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Billing.Core.Webhooks.StripeEventApplier")
            .LogInformation("Applied {EventType} {EventId} for tenant {TenantId}", "invoice.paid", marker, Guid.NewGuid());
        var telemetry = host.Services.GetRequiredService<TelemetryClient>();

        var arrived = await Eventually.ValueAsync(async () =>
        {
            await telemetry.FlushAsync(CancellationToken.None);
            return azure.Ingested.FirstOrDefault(i => i.Body.Contains(marker, StringComparison.Ordinal));
        }, i => i is not null, TimeSpan.FromSeconds(30));

        Assert.NotNull(arrived);
        Assert.Equal($"Bearer {FakeAzure.AccessToken}", arrived.Authorization);
        Assert.Contains("\"severityLevel\":\"Information\"", arrived.Body);
        Assert.Contains(azure.TokenRequests, r => r.Contains("resource=https://monitor.azure.com", StringComparison.Ordinal));
    }

    /// <summary>The App Service managed-identity endpoint and Application Insights ingestion, on loopback.</summary>
    private sealed class FakeAzure : IAsyncDisposable
    {
        public const string IdentityHeader = "fake-identity-header";
        public const string AccessToken = "fake-monitor-token";
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<Ingestion> _ingested = new();
        private readonly ConcurrentQueue<string> _tokenRequests = new();

        public sealed record Ingestion(string? Authorization, string Body);

        private FakeAzure(WebApplication app) => _app = app;
        public Uri BaseAddress { get; private set; } = null!;
        public IReadOnlyList<Ingestion> Ingested => _ingested.ToList();
        public IReadOnlyList<string> TokenRequests => _tokenRequests.ToList();

        public static async Task<FakeAzure> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var fake = new FakeAzure(app);
            app.MapGet("/msi/token", (HttpContext context) =>
            {
                fake._tokenRequests.Enqueue(Uri.UnescapeDataString(context.Request.QueryString.Value ?? ""));
                if (context.Request.Headers["X-IDENTITY-HEADER"] != IdentityHeader) return Results.StatusCode(401);
                return Results.Json(new Dictionary<string, string>
                {
                    ["access_token"] = AccessToken,
                    ["expires_on"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(),
                    ["resource"] = context.Request.Query["resource"].ToString(),
                    ["token_type"] = "Bearer",
                });
            });
            app.MapPost("/{**path}", async (HttpContext context) =>
            {
                Stream body = context.Request.Body;
                if (context.Request.Headers.ContentEncoding == "gzip") body = new GZipStream(body, CompressionMode.Decompress);
                var text = await new StreamReader(body).ReadToEndAsync();
                fake._ingested.Enqueue(new Ingestion(context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null, text));
                var items = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                return Results.Json(new { itemsReceived = items, itemsAccepted = items, errors = Array.Empty<object>() });
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            fake.BaseAddress = new Uri(address.TrimEnd('/') + "/");
            return fake;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}

/// <summary>Tests that change process-wide environment variables run one at a time, and put them back.</summary>
[CollectionDefinition(nameof(ProcessEnvironment), DisableParallelization = true)]
public sealed class ProcessEnvironment
{
    public static IDisposable Set(Dictionary<string, string> values)
    {
        var before = values.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (key, value) in values) Environment.SetEnvironmentVariable(key, value);
        return new Restore(before);
    }

    private sealed class Restore(Dictionary<string, string?> before) : IDisposable
    {
        public void Dispose()
        {
            foreach (var (key, value) in before) Environment.SetEnvironmentVariable(key, value);
        }
    }
}
