using Billing.Core.Subscriptions;
using Billing.Core.Webhooks;
using Billing.Functions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using System.Globalization;

namespace Billing.DevHost;

/// <summary>Operator commands that work against Azurite or Azure alike, with the same settings as the app.</summary>
internal static class OperatorCommands
{
    /// <summary><c>replay-poison [--max N] [--settings PATH]</c>: moves dead-lettered Stripe events back to stripe-events.</summary>
    public static async Task<int> ReplayPoisonAsync(Arguments args, TextWriter output, TextWriter error)
    {
        var max = 1000;
        if (args.Value("--max") is { } maxText && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out max) || max is < 1 or > 100_000))
            throw new UsageException($"--max must be a whole number from 1 to 100000, not '{maxText}'");
        Arguments.RequireFile(args.Value("--settings"));
        var local = LocalSettings.Load(args.Value("--settings"));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
        var storage = new StorageOptions();
        StorageOptions.Bind(storage, settings);
        if (!storage.IsValid)
        {
            error.WriteLine("Configuration error: AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is not set");
            return 2;
        }

        // Messages move as they are: a claim check keeps naming its blob.
        var queue = new StripeEventQueue(storage.CreateServiceClient(),
            new StripeEventPayloads(storage.CreatePayloadContainer(), NullLogger<StripeEventPayloads>.Instance), NullLogger<StripeEventQueue>.Instance);
        var moved = await queue.ReplayPoisonAsync(max, CancellationToken.None);
        output.WriteLine($"Moved {moved} message(s) from {Queues.StripeEventsPoison} to {Queues.StripeEvents}.");
        return 0;
    }

    /// <summary><c>reconcile [--settings PATH]</c>: the ReconcileSubscriptions run, now, with the app's settings; drift is logged as it is repaired.</summary>
    public static async Task<int> ReconcileAsync(Arguments args, TextWriter output, TextWriter error)
    {
        Arguments.RequireFile(args.Value("--settings"));
        var local = LocalSettings.Load(args.Value("--settings"));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information))
            .AddBilling(settings);
        try
        {
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            var report = await provider.GetRequiredService<SubscriptionReconciler>().RunAsync(CancellationToken.None);
            output.WriteLine($"Listed {report.Listed} subscriptions in Stripe; repaired {report.Repaired}; " +
                              $"checked {report.CheckedOneByOne} one by one; {report.MissingInStripe} missing in Stripe; {report.Failed} failed.");
            return report.MissingInStripe + report.Failed > 0 ? 1 : 0;
        }
        catch (Exception e) when (HostStartup.FindConfigurationError(e) is { } message)
        {
            error.WriteLine($"Configuration error: {message}");
            return 2;
        }
    }
}
