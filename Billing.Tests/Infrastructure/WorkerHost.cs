using Billing.Functions;
using Microsoft.Azure.Functions.Worker.Builder;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// The isolated worker's host built exactly as Billing.Functions/Program.cs builds it (same
/// <see cref="BillingFunctionsServiceCollectionExtensions.ConfigureBillingWorker"/>), with the container checking
/// every registration when it is built and every scope when a service is resolved. Not started: starting needs
/// the Functions host on the other end of gRPC.
/// </summary>
public static class WorkerHost
{
    /// <summary>
    /// local.settings.sample.json's Values (what a developer starts with), overridden by <paramref name="overrides"/>, in
    /// Development as <c>func start</c> runs it locally (the sample asks for demo mode, which Production refuses).
    /// <paramref name="before"/> registers services ahead of the app's own (which add theirs only when none is there).
    /// </summary>
    public static IHost Build(IReadOnlyDictionary<string, string?>? overrides = null, string environmentName = "Development",
        Action<IServiceCollection>? before = null)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Environment.EnvironmentName = environmentName;
        builder.Configuration.AddInMemoryCollection(SampleSettings());
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
        before?.Invoke(builder.Services);
        builder.ConfigureBillingWorker();
        return builder.Build();
    }

    public static Dictionary<string, string?> SampleSettings()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(RepoPaths.Of("local.settings.sample.json")));
        return sample.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    /// <summary>
    /// functions.metadata as the Functions SDK generated it into Billing.Functions' build output (the same
    /// configuration as these tests): the list the real host indexes.
    /// </summary>
    public static JsonElement FunctionsMetadata()
    {
        var outputOfThisBuild = Path.GetRelativePath(RepoPaths.Of("Billing.Tests"), AppContext.BaseDirectory); // bin/Release/net10.0
        var path = Path.Combine(RepoPaths.Of("Billing.Functions"), outputOfThisBuild, "functions.metadata");
        Assert.True(File.Exists(path), $"{path} is missing: build Billing.Functions (scripts/test.sh does).");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}
