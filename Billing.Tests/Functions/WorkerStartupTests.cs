using Billing.DevHost;
using Billing.Functions;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Tests.Functions;

/// <summary>
/// The worker Azure runs, not DevHost: Program.cs's host builds with every registration and scope checked, and
/// every function the SDK-generated functions.metadata names can be created from it; and DevHost serves exactly
/// the functions, triggers, routes, methods, queues, schedules and auth levels that the real host indexes.
/// </summary>
public sealed class WorkerStartupTests
{
    private static IEnumerable<JsonElement> MetadataFunctions() => WorkerHost.FunctionsMetadata().EnumerateArray();

    [Fact]
    public void Worker_host_builds_validated_and_creates_every_function_in_functions_metadata()
    {
        using var host = WorkerHost.Build(); // ValidateOnBuild: a registration that cannot be satisfied throws here

        host.Services.GetRequiredService<IStartupValidator>().Validate(); // what Run does first: every ValidateOnStart option
        var functions = MetadataFunctions().ToList();
        Assert.NotEmpty(functions);
        using var scope = host.Services.CreateScope(); // one invocation's services, as the worker gives each function
        foreach (var function in functions)
        {
            var entryPoint = function.GetProperty("entryPoint").GetString()!;
            var type = typeof(BillingFunctionsServiceCollectionExtensions).Assembly.GetType(entryPoint[..entryPoint.LastIndexOf('.')], throwOnError: true)!;
            // The worker's DefaultFunctionActivator creates function classes this way, from the invocation's services.
            var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
            Assert.IsType(type, instance);
        }
    }

    [Fact]
    public void The_sample_settings_ask_for_demo_mode_out_loud()
    {
        var sample = WorkerHost.SampleSettings();

        Assert.Equal("true", sample["DEMO_MODE"]);
        Assert.Equal("", sample["STRIPE_SECRET_KEY"]);
        Assert.Contains("export DEMO_MODE=true", File.ReadAllText(RepoPaths.Of("scripts", "run.sh")));
    }

    [Fact]
    public void An_empty_stripe_key_without_demo_mode_stops_the_worker_with_one_line_naming_STRIPE_SECRET_KEY()
    {
        using var host = WorkerHost.Build(new Dictionary<string, string?> { ["STRIPE_SECRET_KEY"] = "", ["DEMO_MODE"] = "false" }, "Development");

        var message = ConfigurationError(host);

        Assert.Contains("STRIPE_SECRET_KEY", message);
        Assert.Contains("DEMO_MODE=true", message);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("production")]
    public void Demo_mode_in_the_production_environment_stops_the_worker_with_one_line(string environmentName)
    {
        using var host = WorkerHost.Build(new Dictionary<string, string?> { ["DEMO_MODE"] = "true" }, environmentName);

        var message = ConfigurationError(host);

        Assert.Contains("DEMO_MODE", message);
        Assert.Contains("Production", message);
    }

    [Fact]
    public void A_stripe_key_alone_is_not_demo_mode_and_demo_mode_is_only_asked_for()
    {
        using var keyed = WorkerHost.Build(new Dictionary<string, string?> { ["STRIPE_SECRET_KEY"] = "sk_test_key_only", ["DEMO_MODE"] = "false" }, "Production");
        using var demo = WorkerHost.Build(new Dictionary<string, string?> { ["STRIPE_SECRET_KEY"] = "", ["DEMO_MODE"] = "true" }, "Development");

        keyed.Services.GetRequiredService<IStartupValidator>().Validate();
        demo.Services.GetRequiredService<IStartupValidator>().Validate();
        Assert.False(keyed.Services.GetRequiredService<Billing.Core.Subscriptions.IBillingProvider>().IsDemo);
        Assert.True(demo.Services.GetRequiredService<Billing.Core.Subscriptions.IBillingProvider>().IsDemo);
    }

    private static string ConfigurationError(Microsoft.Extensions.Hosting.IHost host)
    {
        var error = Assert.ThrowsAny<Exception>(() => host.Services.GetRequiredService<IStartupValidator>().Validate());
        var message = HostStartup.FindConfigurationError(error);
        Assert.NotNull(message);
        Assert.DoesNotContain('\n', message);
        return message;
    }

    [Fact]
    public void DevHost_catalogue_matches_the_functions_the_real_host_indexes()
    {
        var indexed = MetadataFunctions().Select(FromMetadata).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var devHost = new FunctionCatalog(typeof(BillingFunctionsServiceCollectionExtensions).Assembly).Functions.Values
            .Select(FromCatalogue).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();

        Assert.NotEmpty(indexed);
        Assert.Equal(indexed, devHost);
    }

    /// <summary>What matters about a function for how it is reached, in one comparable shape.</summary>
    private sealed record Indexed(string Name, string EntryPoint, string Trigger, string? Route, string? Methods, string? AuthLevel, string? QueueName, string? Schedule);

    private static Indexed FromMetadata(JsonElement function)
    {
        var triggers = function.GetProperty("bindings").EnumerateArray()
            .Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
        Assert.Single(triggers);
        var t = triggers[0];
        string? Text(string name) => t.TryGetProperty(name, out var v) ? v.GetString() : null;
        var methods = t.TryGetProperty("methods", out var m)
            ? string.Join(",", m.EnumerateArray().Select(x => x.GetString()!.ToLowerInvariant()).Order(StringComparer.Ordinal))
            : null;
        return new Indexed(function.GetProperty("name").GetString()!, function.GetProperty("entryPoint").GetString()!,
            t.GetProperty("type").GetString()!, Text("route"), methods, Text("authLevel"), Text("queueName"), Text("schedule"));
    }

    private static Indexed FromCatalogue(FunctionDescriptor function)
    {
        var entryPoint = $"{function.Type.FullName}.{function.Method.Name}";
        return function.Trigger switch
        {
            HttpTriggerAttribute http => new Indexed(function.Name, entryPoint, "httpTrigger", http.Route,
                http.Methods is null ? null : string.Join(",", http.Methods.Select(x => x.ToLowerInvariant()).Order(StringComparer.Ordinal)),
                http.AuthLevel.ToString(), null, null),
            QueueTriggerAttribute queue => new Indexed(function.Name, entryPoint, "queueTrigger", null, null, null, queue.QueueName, null),
            TimerTriggerAttribute timer => new Indexed(function.Name, entryPoint, "timerTrigger", null, null, null, null, timer.Schedule),
            var other => throw new InvalidOperationException($"DevHost catalogued {function.Name} with a trigger this test does not know: {other.GetType().Name}"),
        };
    }
}
