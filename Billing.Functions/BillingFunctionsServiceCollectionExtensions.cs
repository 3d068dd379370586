using Billing.Core;
using Billing.Functions.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Billing.Functions;

public static class BillingFunctionsServiceCollectionExtensions
{
    /// <summary>
    /// The worker as Azure runs it: Program.cs is this and <c>Build().Run…</c>, so the start-up tests build the
    /// very same host (Billing.Tests/Functions/WorkerStartupTests.cs).
    /// </summary>
    public static FunctionsApplicationBuilder ConfigureBillingWorker(this FunctionsApplicationBuilder builder)
    {
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddBilling(builder.Configuration);
        builder.Services.AddBillingTelemetry(builder.Configuration);
        return builder;
    }

    /// <summary>The whole app's services: used by Program.cs, Billing.DevHost and the tests alike.</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddBillingCore(configuration);
        services.AddSingleton<HttpEndpoint>();
        return services;
    }

    /// <summary>
    /// Application Insights, on in Azure (where infra/ sets APPLICATIONINSIGHTS_CONNECTION_STRING) and off
    /// locally. Logs keep their scopes (TenantId, StripeEventId) as custom dimensions.
    /// <list type="bullet">
    /// <item>Level: the worker SDK adds a filter rule that sends only warnings and above to Application Insights;
    /// it is removed (as the isolated-worker guide says), so the levels of the Logging configuration apply —
    /// Information by default.</item>
    /// <item>Authentication: Application Insights has local auth disabled. <c>ConfigureFunctionsApplicationInsights</c>
    /// reads <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> (infra/ sets <c>Authorization=AAD</c>) and gives the
    /// telemetry channel a <c>ManagedIdentityCredential</c> for the app's system-assigned identity (a
    /// <c>ClientId=…</c> in the string selects a user-assigned one). Without it, ingestion refuses every item.</item>
    /// </list>
    /// </summary>
    public static IServiceCollection AddBillingTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
            return services;
        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        services.Configure<LoggerFilterOptions>(options =>
        {
            var provider = typeof(Microsoft.Extensions.Logging.ApplicationInsights.ApplicationInsightsLoggerProvider).FullName;
            foreach (var rule in options.Rules.Where(r => r.ProviderName == provider && string.IsNullOrEmpty(r.CategoryName)).ToList())
                options.Rules.Remove(rule);
        });
        return services;
    }
}
