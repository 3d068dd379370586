using Billing.Core;
using Billing.Functions.Http;
using Microsoft.Extensions.Configuration;
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
}
