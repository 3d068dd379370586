using Billing.Core.Subscriptions;
using Billing.Core.Webhooks;
using Billing.Functions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Billing.DevHost;

/// <summary>Operator commands that work against Azurite or Azure alike, with the same settings as the app.</summary>
internal static class OperatorCommands
{
    /// <summary><c>replay-poison [--max N] [--settings PATH]</c>: moves dead-lettered Stripe events back to stripe-events.</summary>
    public static async Task<int> ReplayPoisonAsync(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var max = int.TryParse(Arg("--max"), out var m) && m > 0 ? m : 1000;
        var local = LocalSettings.Load(Arg("--settings"));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
        var storage = new StorageOptions();
        StorageOptions.Bind(storage, settings);
        if (!storage.IsValid)
        {
            Console.Error.WriteLine("Configuration error: AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is not set");
            return 2;
        }

        var queue = new StripeEventQueue(storage.CreateServiceClient(), NullLogger<StripeEventQueue>.Instance);
        var moved = await queue.ReplayPoisonAsync(max, CancellationToken.None);
        Console.WriteLine($"Moved {moved} message(s) from {Queues.StripeEventsPoison} to {Queues.StripeEvents}.");
        return 0;
    }

    /// <summary><c>reconcile [--settings PATH]</c>: the ReconcileSubscriptions run, now, with the app's settings; drift is logged as it is repaired.</summary>
    public static async Task<int> ReconcileAsync(string[] args)
    {
        var local = LocalSettings.Load(args.SkipWhile(a => a != "--settings").Skip(1).FirstOrDefault());
        var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information))
            .AddBilling(settings);
        try
        {
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            var report = await provider.GetRequiredService<SubscriptionReconciler>().RunAsync(CancellationToken.None);
            Console.WriteLine($"Listed {report.Listed} subscriptions in Stripe; repaired {report.Repaired}; " +
                              $"checked {report.CheckedOneByOne} one by one; {report.MissingInStripe} missing in Stripe; {report.Failed} failed.");
            return report.MissingInStripe + report.Failed > 0 ? 1 : 0;
        }
        catch (Exception e) when (HostStartup.FindConfigurationError(e) is { } message)
        {
            Console.Error.WriteLine($"Configuration error: {message}");
            return 2;
        }
    }
}
