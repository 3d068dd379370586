using Microsoft.Extensions.Configuration;

namespace Billing.Core.Data;

public sealed class DatabaseOptions
{
    [ConfigurationKeyName("BILLING_DATABASE")]
    public string ConnectionString { get; set; } = "";
}
