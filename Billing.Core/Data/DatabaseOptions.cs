using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Billing.Core.Data;

public sealed class DatabaseOptions
{
    [ConfigurationKeyName("BILLING_DATABASE")]
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The one data source of the app. A connection string without a password to an Azure Database for
    /// PostgreSQL server signs in with an Entra token for the app's managed identity, refreshed before it
    /// expires (infra/ deploys the server with password authentication off).
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory? loggers)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseLoggerFactory(loggers);
        if (UsesEntraToken(builder.ConnectionStringBuilder))
        {
            var credential = new DefaultAzureCredential();
            var scope = new TokenRequestContext(["https://ossrdbms-aad.database.windows.net/.default"]);
            builder.UsePeriodicPasswordProvider(
                async (_, ct) => (await credential.GetTokenAsync(scope, ct)).Token,
                successRefreshInterval: TimeSpan.FromMinutes(30),
                failureRefreshInterval: TimeSpan.FromSeconds(10));
        }
        return builder.Build();
    }

    internal static bool UsesEntraToken(NpgsqlConnectionStringBuilder connection) =>
        string.IsNullOrEmpty(connection.Password) &&
        connection.Host?.EndsWith(".postgres.database.azure.com", StringComparison.OrdinalIgnoreCase) == true;
}
