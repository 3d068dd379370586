namespace Billing.Tests.Deployment;

/// <summary>
/// The alerts of infra/modules/alerts.bicep as Azure receives them: infra/.build/main.json, compiled from
/// infra/main.bicep by scripts/check-infra.sh (run by scripts/test.sh before the suite).
/// </summary>
public sealed class AlertTests
{
    private const string ActionGroupType = "Microsoft.Insights/actionGroups";
    private const string AlertRuleType = "Microsoft.Insights/scheduledQueryRules";

    private static readonly string[] Rules =
        ["poison-messages", "webhook-signature-failures", "apply-lag", "http-5xx", "dependency-unavailable", "reconcile-drift", "duplicate-subscription"];

    private static JsonObject Compiled()
    {
        var path = RepoPaths.Of("infra", ".build", "main.json");
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/check-infra.sh (scripts/test.sh does).");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    /// <summary>The module deployment (in main.json) whose nested template declares resources of the given type.</summary>
    private static (JsonObject Module, JsonArray Resources) ModuleDeclaring(string type)
    {
        var modules = Compiled()["resources"]!.AsArray().OfType<JsonObject>()
            .Where(r => (string?)r["type"] == "Microsoft.Resources/deployments")
            .Where(r => r["properties"]?["template"]?["resources"] is JsonArray resources
                && resources.Any(x => (string?)x?["type"] == type))
            .ToList();
        var module = Assert.Single(modules);
        return (module, module["properties"]!["template"]!["resources"]!.AsArray());
    }

    private static IReadOnlyList<JsonObject> OfType(JsonArray resources, string type) =>
        resources.OfType<JsonObject>().Where(r => (string?)r["type"] == type).ToList();

    /// <summary>The rule named alert-{name}-{suffix}, compiled as [format('alert-{0}-apply-lag', parameters('name'))].</summary>
    private static JsonObject Rule(JsonArray resources, string suffix) =>
        Assert.Single(OfType(resources, AlertRuleType), r => ((string)r["name"]!).Contains($"-{suffix}'", StringComparison.Ordinal));

    private static string Query(JsonObject rule) => (string)rule["properties"]!["criteria"]!["allOf"]![0]!["query"]!;

    [Fact]
    public void The_template_holds_one_action_group_and_the_seven_alert_rules_each_wired_to_it()
    {
        var (_, resources) = ModuleDeclaring(ActionGroupType);
        var group = Assert.Single(OfType(resources, ActionGroupType));
        // A rule names its action group as resourceId('Microsoft.Insights/actionGroups', <the group's name>).
        var groupName = ((string)group["name"]!).TrimStart('[').TrimEnd(']');
        var groupId = $"[resourceId('{ActionGroupType}', {groupName})]";

        Assert.Equal(Rules.Length, OfType(resources, AlertRuleType).Count);
        foreach (var suffix in Rules)
        {
            var rule = Rule(resources, suffix);
            var properties = rule["properties"]!;
            Assert.Equal("LogAlert", (string?)rule["kind"]);
            Assert.True((bool)properties["enabled"]!, suffix);
            Assert.Equal([groupId], properties["actions"]!["actionGroups"]!.AsArray().Select(a => (string?)a));
            Assert.Equal(["[resourceId('Microsoft.Insights/components', parameters('appInsightsName'))]"],
                properties["scopes"]!.AsArray().Select(s => (string?)s));
            Assert.True(((string)properties["description"]!).Length > 100, $"{suffix}: the description says what it means and what to do");
            Assert.False(string.IsNullOrWhiteSpace(Query(rule)), suffix);
        }
    }

    [Fact]
    public void The_action_group_mails_the_address_given_as_the_alertEmail_parameter()
    {
        var (module, resources) = ModuleDeclaring(ActionGroupType);
        var group = Assert.Single(OfType(resources, ActionGroupType));
        var receivers = group["properties"]!["emailReceivers"]!.AsArray();

        Assert.Equal(["[parameters('alertEmail')]"], receivers.Select(r => (string?)r!["emailAddress"]));
        Assert.Equal("[parameters('alertEmail')]", (string?)module["properties"]!["parameters"]!["alertEmail"]!["value"]);
        Assert.Equal("string", (string?)Compiled()["parameters"]!["alertEmail"]!["type"]);
        foreach (var file in Directory.GetFiles(RepoPaths.Of("infra", "env"), "*.bicepparam"))
            Assert.Contains("param alertEmail = readEnvironmentVariable('ALERT_EMAIL', ", File.ReadAllText(file));
    }

    [Fact]
    public void Thresholds_are_parameters()
    {
        var (_, resources) = ModuleDeclaring(ActionGroupType);
        foreach (var (suffix, parameter) in new[]
        {
            ("webhook-signature-failures", "signatureFailuresPerHour"), ("apply-lag", "applyLagSeconds"),
            ("http-5xx", "http5xxPer15Minutes"), ("dependency-unavailable", "dependencyFailuresPer15Minutes"),
        })
            Assert.Equal($"[parameters('{parameter}')]", Rule(resources, suffix)["properties"]!["criteria"]!["allOf"]![0]!["threshold"]?.ToString());
    }

    [Fact]
    public void The_poison_alert_watches_the_queue_the_code_uses()
    {
        var (_, resources) = ModuleDeclaring(ActionGroupType);
        Assert.Contains($"message has \"{Queues.StripeEventsPoison}\"", Query(Rule(resources, "poison-messages")));
    }

    /// <summary>
    /// Each rule searches for what the code logs: <paramref name="inQuery"/> in the rule's query and
    /// <paramref name="inSource"/> in the C# file that writes the log. Structured fields are read under both
    /// their plain name (the worker's telemetry) and prop__ (forwarded by the Functions host). The row without a
    /// file reads the Functions host's own request telemetry.
    /// </summary>
    [Theory]
    [InlineData("webhook-signature-failures", "\"Rejected a webhook whose Stripe-Signature matches no configured secret\"",
        "Billing.Core/Webhooks/WebhookReceiver.cs", "LogWarning(\"Rejected a webhook whose Stripe-Signature matches no configured secret\")")]
    [InlineData("dependency-unavailable", "coalesce(tostring(customDimensions.Code), tostring(customDimensions.prop__Code))",
        "Billing.Functions/Http/ProblemMapper.cs", "LogWarning(exception, \"Dependency unavailable: {Code}\", known.Code)")]
    [InlineData("dependency-unavailable", "\"database_unavailable\"", "Billing.Functions/Http/ProblemMapper.cs", "Unavailable(\"database_unavailable\"")]
    [InlineData("dependency-unavailable", "\"stripe_unavailable\"", "Billing.Core/Stripe/StripeCalls.cs", "Unavailable(\"stripe_unavailable\"")]
    [InlineData("dependency-unavailable", "\"queue_unavailable\"", "Billing.Core/Webhooks/StripeEventQueue.cs", "Unavailable(\"queue_unavailable\"")]
    [InlineData("apply-lag", "coalesce(tostring(customDimensions.ApplyLagSeconds), tostring(customDimensions.prop__ApplyLagSeconds))",
        "Billing.Core/Webhooks/StripeEventApplier.cs", "\"{Outcome} {EventType} {EventId} for tenant {TenantId} after {ApplyLagSeconds} s\"")]
    [InlineData("reconcile-drift", "message startswith \"Reconcile repaired drift\"",
        "Billing.Core/Webhooks/StripeEventApplier.cs", "LogWarning(\"Reconcile repaired drift for tenant {TenantId} subscription {SubscriptionId}: {Change}\"")]
    [InlineData("reconcile-drift", "message endswith \"which Stripe does not show; left unchanged\"",
        "Billing.Core/Subscriptions/SubscriptionReconciler.cs", "LogError(\"Tenant {TenantId} is on paid subscription {SubscriptionId}, which Stripe does not show; left unchanged\"")]
    [InlineData("duplicate-subscription", "message has \"live subscriptions: it keeps\" and message endswith \"must be refunded and canceled in Stripe\"",
        "Billing.Core/Webhooks/StripeEventApplier.cs",
        "\"Tenant {TenantId} has {LiveCount} live subscriptions: it keeps {SubscriptionId} (created first); {DuplicateSubscriptionIds} must be refunded and canceled in Stripe\"")]
    [InlineData("dependency-unavailable", "\"auth_unavailable\"", "Billing.Core/Identity/TokenValidator.cs", "Unavailable(\"auth_unavailable\"")]
    [InlineData("http-5xx", "requests\n| where toint(resultCode) >= 500", null, null)]
    public void Each_rule_searches_for_what_the_code_logs(string rule, string inQuery, string? sourceFile, string? inSource)
    {
        var (_, resources) = ModuleDeclaring(ActionGroupType);
        Assert.Contains(inQuery, Query(Rule(resources, rule)));
        if (sourceFile is not null)
            Assert.Contains(inSource!, File.ReadAllText(RepoPaths.Of(sourceFile.Split('/'))));
    }
}
