using Billing.Core;
using Billing.Functions;
using Microsoft.Azure.Functions.Worker;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Billing.Tests.Deployment;

/// <summary>
/// The Bicep template against the code: every setting the app reads is set in Azure, and docs/deploy.md's
/// commands name what the parameter files read. Reads infra/.build/main.json, which scripts/check-infra.sh
/// (run by scripts/test.sh before the suite) compiles from infra/main.bicep.
/// </summary>
public sealed partial class InfrastructureTests
{
    private static readonly string CompiledTemplate = RepoPaths.Of("infra", ".build", "main.json");

    /// <summary>Settings read through options ([ConfigurationKeyName]), the storage connection, and timer schedules (%NAME%).</summary>
    private static IReadOnlySet<string> SettingsTheAppReads()
    {
        var fromOptions = typeof(BillingOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetProperties())
            .Select(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name)
            .OfType<string>();
        var fromSchedules = typeof(BillingFunctionsServiceCollectionExtensions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()?.Schedule)
            .OfType<string>()
            .Where(s => s.StartsWith('%'))
            .Select(s => s.Trim('%'));
        return fromOptions.Concat(fromSchedules).Append("AzureWebJobsStorage").ToHashSet();
    }

    private static IReadOnlySet<string> SettingsTheTemplateSets()
    {
        Assert.True(File.Exists(CompiledTemplate), $"{CompiledTemplate} is missing: run scripts/check-infra.sh (scripts/test.sh does).");
        var names = new HashSet<string>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["appSettings"] is JsonArray settings)
                        foreach (var s in settings) names.Add((string)s!["name"]!);
                    foreach (var (_, child) in o) Walk(child);
                    break;
                case JsonArray a:
                    foreach (var child in a) Walk(child);
                    break;
            }
        }
        Walk(JsonNode.Parse(File.ReadAllText(CompiledTemplate)));
        return names;
    }

    [Fact]
    public void Every_setting_the_app_reads_is_set_by_the_template()
    {
        var set = SettingsTheTemplateSets();
        var missing = SettingsTheAppReads()
            .Where(name => !set.Contains(name) && !set.Any(s => s.StartsWith(name + "__", StringComparison.Ordinal)))
            .ToList();

        Assert.True(missing.Count == 0, "Not set by infra/: " + string.Join(", ", missing));
        Assert.Contains("AzureWebJobsStorage__accountName", set); // identity-based: no key anywhere
        Assert.DoesNotContain("AzureWebJobsStorage", set);
    }

    [Fact]
    public void No_setting_exists_only_in_local_settings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(RepoPaths.Of("local.settings.sample.json")));
        var reads = SettingsTheAppReads();
        var local = sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name)
            .Where(n => n != "FUNCTIONS_WORKER_RUNTIME"); // Flex Consumption sets the runtime in functionAppConfig

        var unknown = local.Where(n => !reads.Contains(n)).ToList();
        Assert.True(unknown.Count == 0, "In local.settings.sample.json but never read: " + string.Join(", ", unknown));
    }

    [Fact]
    public void Secrets_reach_the_app_only_as_key_vault_references()
    {
        var template = File.ReadAllText(RepoPaths.Of("infra", "modules", "functionapp.bicep"));
        foreach (var secret in new[] { "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "AUTH_JWT_SIGNING_KEY" })
            Assert.Matches($"name: '{secret}', value: '@Microsoft.KeyVault\\(SecretUri=", template);
    }

    [Fact]
    public void A_deployment_cannot_go_out_without_a_stripe_key()
    {
        // No default in any parameter file: building its parameters fails while STRIPE_SECRET_KEY is unset.
        foreach (var file in Directory.GetFiles(RepoPaths.Of("infra", "env"), "*.bicepparam"))
            Assert.Contains("param stripeSecretKey = readEnvironmentVariable('STRIPE_SECRET_KEY')\n", File.ReadAllText(file).ReplaceLineEndings("\n"));
        // And set but empty is refused by the template itself, before anything is deployed.
        var key = JsonNode.Parse(File.ReadAllText(CompiledTemplate))!["parameters"]!["stripeSecretKey"]!;
        Assert.Equal("securestring", (string?)key["type"]);
        Assert.True((int?)key["minLength"] >= 1, "stripeSecretKey needs a minLength: an empty key would start the app without Stripe");
        // Demo mode is never deployed: the app in Azure runs as Production, where DEMO_MODE=true stops it.
        Assert.Contains("{ name: 'DEMO_MODE', value: 'false' }", File.ReadAllText(RepoPaths.Of("infra", "modules", "functionapp.bicep")));
    }

    [Fact]
    public void Deploy_commands_set_what_the_parameter_files_read()
    {
        var deploy = File.ReadAllText(RepoPaths.Of("docs", "deploy.md"));
        foreach (var file in Directory.GetFiles(RepoPaths.Of("infra", "env"), "*.bicepparam"))
        {
            Assert.Contains($"infra/env/{Path.GetFileName(file)}", deploy);
            foreach (Match read in EnvironmentRead().Matches(File.ReadAllText(file)))
                Assert.Contains($"export {read.Groups[1].Value}=", deploy);
        }
    }

    [Fact]
    public void Queue_names_in_the_template_are_the_ones_the_code_uses()
    {
        var storage = File.ReadAllText(RepoPaths.Of("infra", "modules", "storage.bicep"));
        Assert.Contains($"name: '{Queues.StripeEvents}'", storage);
        Assert.Contains($"name: '{Queues.StripeEventsPoison}'", storage);
    }

    [Fact]
    public void Claim_check_container_is_the_codes_with_a_blob_role_for_the_app_and_a_sweep_for_leftovers()
    {
        var main = File.ReadAllText(RepoPaths.Of("infra", "main.bicep"));
        var storage = File.ReadAllText(RepoPaths.Of("infra", "modules", "storage.bicep"));
        var roles = File.ReadAllText(RepoPaths.Of("infra", "modules", "roles.bicep"));
        Assert.Contains($"var payloadContainerName = '{StripeEventPayloads.Container}'", main);
        Assert.Contains("name: payloadContainerName", storage);
        Assert.Contains("prefixMatch: ['${stripeEventPayloads.name}/']", storage);
        Assert.Contains("scope: payloads", roles);
        Assert.Contains("roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)", roles);
    }

    [Fact]
    public void The_frontend_static_web_app_is_the_apps_frontend_origin_and_cors_origin()
    {
        var main = File.ReadAllText(RepoPaths.Of("infra", "main.bicep"));
        var app = File.ReadAllText(RepoPaths.Of("infra", "modules", "functionapp.bicep"));
        Assert.Contains("resource site 'Microsoft.Web/staticSites@", File.ReadAllText(RepoPaths.Of("infra", "modules", "staticwebapp.bicep")));
        Assert.Contains("frontendBaseUrl: 'https://${frontend.outputs.defaultHostname}'", main);
        Assert.DoesNotContain("param frontendBaseUrl", main);
        Assert.Contains("cors: { allowedOrigins: [frontendBaseUrl]", app);
        Assert.Contains("{ name: 'FRONTEND_BASE_URL', value: frontendBaseUrl }", app);
    }

    [GeneratedRegex(@"readEnvironmentVariable\('([A-Z_]+)'")]
    private static partial Regex EnvironmentRead();
}
