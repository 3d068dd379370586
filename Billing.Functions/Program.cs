using Billing.Functions;
using Microsoft.Azure.Functions.Worker.Builder;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureBillingWorker();
builder.Build().RunWithConfigurationCheck();
