using Billing.Core.Data;
using Billing.Functions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Billing.DevHost;

/// <summary>How to start a DevHost: the CLI fills it from arguments, tests from their fixtures.</summary>
public sealed record DevHostOptions
{
    /// <summary>Path of local.settings.json; null looks in the working directory, then beside the app.</summary>
    public string? SettingsPath { get; init; }

    /// <summary>Settings that win over local.settings.json and the environment (tests use this).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();

    /// <summary>Listen addresses; null means ASPNETCORE_URLS, else http://127.0.0.1:7071.</summary>
    public string? Urls { get; init; }

    public bool ApplyMigrations { get; init; } = true;

    public bool IgnoreLocalSettings { get; init; }

    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Changes host.json's queue settings (tests retry faster).</summary>
    public Func<QueueSettings, QueueSettings>? ConfigureQueues { get; init; }
}

/// <summary>
/// Hosts Billing.Functions without Azure Functions Core Tools (docs/devhost.md): settings the way
/// <c>func start</c> reads them, HTTP triggers on Kestrel under host.json's route prefix, CORS for
/// local.settings.json's origins, the admin endpoint, and EF Core migrations at start-up.
/// </summary>
public static class DevHostApp
{
    public const string DefaultUrls = "http://127.0.0.1:7071";

    public static async Task<WebApplication> BuildAsync(DevHostOptions options, CancellationToken ct = default)
    {
        var local = options.IgnoreLocalSettings ? LocalSettings.Empty : LocalSettings.Load(options.SettingsPath);
        var hostJson = HostJson.Load();
        if (options.ConfigureQueues is { } configureQueues)
            hostJson = hostJson with { Queues = configureQueues(hostJson.Queues) };
        var catalog = new FunctionCatalog(typeof(BillingFunctionsServiceCollectionExtensions).Assembly);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = EnvironmentName() });
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddInMemoryCollection(local.Values)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(options.Overrides);
        builder.WebHost.UseUrls(options.Urls ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? DefaultUrls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1024 * 1024);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.IncludeScopes = true; c.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // A connection failure reaches its caller as an exception, which says it once: at start-up as one line
        // naming BILLING_DATABASE, in a request as 503 database_unavailable (logged by ProblemMapper).
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Connection", LogLevel.None);
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        options.ConfigureLogging?.Invoke(builder.Logging);

        // DevHost-only: how long a message being worked on stays invisible (the Functions host renews its own lease).
        if (int.TryParse(builder.Configuration["DEVHOST_QUEUE_LEASE_SECONDS"], out var leaseSeconds) && leaseSeconds > 0)
            hostJson = hostJson with { Queues = hostJson.Queues with { LeaseTime = TimeSpan.FromSeconds(leaseSeconds) } };

        builder.Services.AddBilling(builder.Configuration);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(hostJson);
        // DevHost-only: DEVHOST_BACKGROUND_TRIGGERS=false hosts HTTP only (the bench measures ingest without a consumer).
        if (builder.Configuration["DEVHOST_BACKGROUND_TRIGGERS"] != "false")
            AddBackgroundTriggers(builder.Services, catalog, hostJson.Queues, builder.Configuration);
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            policy.WithOrigins(local.CorsOrigins.ToArray()).AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Retry-After");
            if (local.CorsCredentials) policy.AllowCredentials();
        }));

        var app = builder.Build();
        app.UseCors();
        app.MapHttpTriggers(catalog, hostJson.RoutePrefix);
        app.MapAdminEndpoints();

        // Every ValidateOnStart option now, before migrations and before the host starts (which would log a bad
        // setting as "Hosting failed to start" with a stack trace): one line naming it (DevHostCli).
        app.Services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();
        if (options.ApplyMigrations)
            await MigrateAsync(app.Services, ct);
        return app;
    }

    /// <summary>Builds and starts a DevHost; returns it with the address it listens on.</summary>
    public static async Task<(WebApplication App, Uri BaseAddress)> StartAsync(DevHostOptions options, CancellationToken ct = default)
    {
        var app = await BuildAsync(options, ct);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return (app, new Uri(address));
    }

    /// <summary>
    /// The environment the host runs in, as <c>func start</c> chooses it: AZURE_FUNCTIONS_ENVIRONMENT, then
    /// ASPNETCORE_ENVIRONMENT, then DOTNET_ENVIRONMENT, else Development (a local host). Logged at start
    /// (<c>Hosting environment: …</c>); DEMO_MODE=true is refused in Production.
    /// </summary>
    public static string EnvironmentName() =>
        new[] { "AZURE_FUNCTIONS_ENVIRONMENT", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" }
            .Select(Environment.GetEnvironmentVariable)
            .FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? Environments.Development;

    private static void AddBackgroundTriggers(IServiceCollection services, FunctionCatalog catalog, QueueSettings queues, IConfiguration configuration)
    {
        foreach (var function in catalog.Functions.Values)
        {
            switch (function.Trigger)
            {
                case QueueTriggerAttribute:
                    services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueTriggerListener>(sp, function, queues));
                    break;
                case TimerTriggerAttribute timer:
                    // Resolved now, so a missing or malformed schedule setting stops the host with one line naming it.
                    var schedule = TimerTriggerListener.ParseSchedule(function.Name, timer.Schedule, configuration);
                    services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<TimerTriggerListener>(sp, function, schedule));
                    break;
            }
        }
    }

    private static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
        // Without this, EF Core reads __EFMigrationsHistory before creating it and logs that failed query as
        // `fail:` on every fresh database, although nothing is wrong.
        await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(ct);
        await db.Database.MigrateAsync(ct);
    }
}
