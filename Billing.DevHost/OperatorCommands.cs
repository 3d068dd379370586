using Billing.Core.Webhooks;
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

        var queue = new StripeEventQueue(storage.CreateServiceClient(), NullLogger<StripeEventQueue>.Instance);
        var moved = await queue.ReplayPoisonAsync(max, CancellationToken.None);
        output.WriteLine($"Moved {moved} message(s) from {Queues.StripeEventsPoison} to {Queues.StripeEvents}.");
        return 0;
    }
}
