using Billing.Core;
using Billing.Functions.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Functions;

public static class BillingFunctionsServiceCollectionExtensions
{
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
    /// </summary>
    public static IServiceCollection AddBillingTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
            return services;
        services.AddApplicationInsightsTelemetryWorkerService();
        services.ConfigureFunctionsApplicationInsights();
        return services;
    }
}
