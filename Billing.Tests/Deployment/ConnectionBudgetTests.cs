using System.Text.RegularExpressions;

namespace Billing.Tests.Deployment;

/// <summary>
/// The connection budget and the worker's telemetry settings, read from the compiled template
/// (infra/.build/main.json and the compiled parameter files, written by scripts/check-infra.sh): every instance's
/// pool fits in PostgreSQL's max_connections less the reserves, in every environment, and the template both
/// uses these parameters where they matter and refuses to deploy a budget that does not fit.
/// </summary>
public sealed partial class ConnectionBudgetTests
{
    private static readonly JsonObject Template = Load("main.json");

    private static JsonObject Load(string file)
    {
        var path = RepoPaths.Of("infra", ".build", file);
        Assert.True(File.Exists(path), $"{path} is missing: run scripts/check-infra.sh (scripts/test.sh does).");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    public static TheoryData<string> Environments() =>
        [.. Directory.GetFiles(RepoPaths.Of("infra", "env"), "*.bicepparam").Select(f => Path.GetFileNameWithoutExtension(f)).Order()];

    /// <summary>The value a deployment with this environment's parameter file gets: the file's, else the template's default.</summary>
    private static int Parameter(JsonObject environment, string name) =>
        (int)(environment["parameters"]?[name]?["value"] ?? Template["parameters"]![name]!["defaultValue"]
              ?? throw new InvalidOperationException($"{name} has neither a value nor a default"));

    [Theory]
    [MemberData(nameof(Environments))]
    public void Pool_times_instances_fits_in_max_connections_less_the_reserves(string environmentName)
    {
        var environment = Load($"{environmentName}.parameters.json");
        var pool = Parameter(environment, "databaseMaxPoolSize");
        var instances = Parameter(environment, "maximumInstanceCount");
        var maxConnections = Parameter(environment, "postgresMaxConnections");
        var reserve = (int)Template["variables"]!["azureReservedConnections"]! + Parameter(environment, "postgresOperatorConnections");

        Assert.True(pool * instances <= maxConnections - reserve,
            $"{environmentName}: {pool} connections × {instances} instances = {pool * instances} > {maxConnections} max_connections − {reserve} reserved");
        // The template's own guard computes the same headroom (and a negative one fails the deployment, below).
        Assert.Equal(maxConnections - reserve - pool * instances,
            Evaluate((string)Template["variables"]!["connectionHeadroom"]!, name => Parameter(environment, name)));
    }

    /// <summary>Connections an instance keeps for HTTP besides the queue trigger: coalesced consumes need one statement's worth.</summary>
    private const int HttpConnections = 4;

    [Theory]
    [MemberData(nameof(Environments))]
    public void Pool_holds_every_queue_message_in_flight_and_leaves_room_for_http(string environmentName)
    {
        // Each event being applied holds a connection for its transaction; the host runs batchSize + newBatchThreshold at once.
        var queues = JsonNode.Parse(File.ReadAllText(RepoPaths.Of("host.json")))!["extensions"]!["queues"]!;
        var inFlight = (int)queues["batchSize"]! + (int)queues["newBatchThreshold"]!;
        var pool = Parameter(Load($"{environmentName}.parameters.json"), "databaseMaxPoolSize");

        Assert.True(pool >= inFlight + HttpConnections,
            $"{environmentName}: a pool of {pool} cannot hold {inFlight} queue messages in flight and {HttpConnections} for HTTP");
    }

    [Fact]
    public void Template_applies_the_budget_parameters_and_refuses_a_budget_that_does_not_fit()
    {
        var app = Module("functionapp");
        Assert.Equal("[parameters('databaseMaxPoolSize')]", (string)app["properties"]!["parameters"]!["databaseMaxPoolSize"]!["value"]!);
        Assert.Equal("[parameters('maximumInstanceCount')]", (string)app["properties"]!["parameters"]!["maximumInstanceCount"]!["value"]!);
        var site = Resources(app).Single(r => (string)r["type"]! == "Microsoft.Web/sites");
        Assert.Equal("[parameters('maximumInstanceCount')]", (string)site["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["maximumInstanceCount"]!);
        var database = AppSetting(site, "BILLING_DATABASE");
        Assert.Matches(@"Maximum Pool Size=\{(\d+)\}", database);
        var argument = int.Parse(PoolArgument().Match(database).Groups[1].Value);
        Assert.Equal("parameters('databaseMaxPoolSize')", FormatArguments(database)[argument + 1]); // [0] is the format string

        var postgres = Module("postgres");
        Assert.Equal("[parameters('postgresMaxConnections')]", (string)postgres["properties"]!["parameters"]!["maxConnections"]!["value"]!);
        Assert.Equal("[variables('connectionHeadroom')]", (string)postgres["properties"]!["parameters"]!["connectionHeadroom"]!["value"]!);
        Assert.Equal(0, (int)postgres["properties"]!["template"]!["parameters"]!["connectionHeadroom"]!["minValue"]!);
        var setting = Resources(postgres).Single(r => ((string)r["name"]!).Contains("'max_connections'", StringComparison.Ordinal));
        Assert.Equal("[string(parameters('maxConnections'))]", (string)setting["properties"]!["value"]!);
    }

    [Fact]
    public void Connection_string_with_the_pool_cap_is_one_npgsql_reads()
    {
        var site = Resources(Module("functionapp")).Single(r => (string)r["type"]! == "Microsoft.Web/sites");
        var format = (string)FormatArguments(AppSetting(site, "BILLING_DATABASE"))[0]!;
        var sample = string.Format(format.Trim('\''), "psql.example", "billing", "func-billing", 7);

        Assert.Equal(7, new NpgsqlConnectionStringBuilder(sample).MaxPoolSize);
    }

    [Fact]
    public void Worker_telemetry_authenticates_with_the_managed_identity_where_local_auth_is_off()
    {
        var site = Resources(Module("functionapp")).Single(r => (string)r["type"]! == "Microsoft.Web/sites");
        var insights = Resources(Module("monitoring")).Single(r => (string)r["type"]! == "Microsoft.Insights/components");

        Assert.True((bool)insights["properties"]!["DisableLocalAuth"]!);
        Assert.Equal("Authorization=AAD", AppSetting(site, "APPLICATIONINSIGHTS_AUTHENTICATION_STRING")); // system-assigned identity
        Assert.Equal("SystemAssigned", (string)site["identity"]!["type"]!);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", site["properties"]!["siteConfig"]!["appSettings"]!.AsArray().Select(s => (string)s!["name"]!));
    }

    private static JsonObject Module(string name) =>
        Template["resources"]!.AsArray().Select(r => r!.AsObject())
            .Single(r => (string)r["type"]! == "Microsoft.Resources/deployments" && (string)r["name"]! == name);

    private static IEnumerable<JsonObject> Resources(JsonObject module) =>
        module["properties"]!["template"]!["resources"]!.AsArray().Select(r => r!.AsObject());

    private static string AppSetting(JsonObject site, string name) =>
        (string)site["properties"]!["siteConfig"]!["appSettings"]!.AsArray().Single(s => (string)s!["name"]! == name)!["value"]!;

    /// <summary>The arguments of a compiled <c>[format('…', a, b)]</c>, the format string first.</summary>
    private static IReadOnlyList<string?> FormatArguments(string expression)
    {
        Assert.StartsWith("[format(", expression);
        return [.. TopLevelArguments(expression["[format(".Length..^2])];
    }

    private static IEnumerable<string> TopLevelArguments(string arguments)
    {
        int depth = 0, start = 0;
        var quoted = false;
        for (var i = 0; i < arguments.Length; i++)
        {
            var c = arguments[i];
            if (c == '\'') quoted = !quoted;
            else if (!quoted && c == '(') depth++;
            else if (!quoted && c == ')') depth--;
            else if (!quoted && depth == 0 && c == ',')
            {
                yield return arguments[start..i].Trim();
                start = i + 1;
            }
        }
        yield return arguments[start..].Trim();
    }

    /// <summary>Enough of the ARM expression language for the budget: sub, add, mul, parameters(), variables(), integers.</summary>
    private static int Evaluate(string expression, Func<string, int> parameter)
    {
        var e = expression.Trim();
        if (e.StartsWith('[') && e.EndsWith(']')) e = e[1..^1];
        if (int.TryParse(e, out var literal)) return literal;
        var call = Call().Match(e);
        Assert.True(call.Success, $"Not an expression this test evaluates: {e}");
        var args = TopLevelArguments(call.Groups[2].Value).ToList();
        return call.Groups[1].Value switch
        {
            "parameters" => parameter(args[0].Trim('\'')),
            "variables" => Evaluate(Template["variables"]![args[0].Trim('\'')]!.ToJsonString().Trim('"'), parameter),
            "sub" => Evaluate(args[0], parameter) - Evaluate(args[1], parameter),
            "add" => Evaluate(args[0], parameter) + Evaluate(args[1], parameter),
            "mul" => Evaluate(args[0], parameter) * Evaluate(args[1], parameter),
            var f => throw new InvalidOperationException($"Not a function this test evaluates: {f}"),
        };
    }

    [GeneratedRegex(@"^(\w+)\((.*)\)$")]
    private static partial Regex Call();

    [GeneratedRegex(@"Maximum Pool Size=\{(\d+)\}")]
    private static partial Regex PoolArgument();
}
