using Billing.Core;
using Billing.Core.Errors;
using Billing.Core.Stripe;
using Billing.Core.Subscriptions;
using Billing.Core.Webhooks;
using Billing.Functions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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
        var settings = Settings(args);
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
        var settings = Settings(args);
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

    /// <summary>
    /// <c>stripe-setup --url URL [--dry-run] [--settings PATH]</c>: makes the Stripe account of STRIPE_SECRET_KEY match
    /// the code and prints the settings to set. The webhook signing secret goes to <paramref name="output"/> once,
    /// when the endpoint is created, and nowhere else (the log sees only warnings about retried calls).
    /// </summary>
    public static async Task<int> StripeSetupAsync(Arguments args, TextWriter output, TextWriter error)
    {
        if (args.Value("--url") is not { } url)
            throw new UsageException("--url is required: the public URL of POST /webhooks, e.g. https://<app>.azurewebsites.net/api/v1/billing/webhooks");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.UserInfo))
            throw new UsageException($"--url must be an absolute https URL, not '{url}'");
        var settings = Settings(args);
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
            .AddStripeSetup(settings);
        SetupReport report;
        try
        {
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            _ = provider.GetRequiredService<IOptions<StripeOptions>>().Value; // the options are checked here, before any call
            report = await provider.GetRequiredService<StripeSetup>().RunAsync(url, args.Flag("--dry-run"), CancellationToken.None);
        }
        catch (Exception e) when (HostStartup.FindConfigurationError(e) is { } message)
        {
            error.WriteLine($"Configuration error: {message}");
            return 2;
        }
        catch (BillingException e)
        {
            error.WriteLine($"stripe-setup stopped: {e.Message} ({e.Code}; the log above has Stripe's answer). Nothing after that step was changed; run it again.");
            return 1;
        }

        output.WriteLine(report.DryRun ? "Dry run: nothing was changed. A real run would:" : "Changes:");
        if (report.Changes.Count == 0)
            output.WriteLine("  nothing: the Stripe account already matches the code.");
        foreach (var change in report.Changes)
            output.WriteLine($"  {change}");
        output.WriteLine();
        output.WriteLine("Settings to set (Key Vault / app settings):");
        foreach (var setting in report.Settings)
        {
            if (setting.Value is null)
                output.WriteLine($"  {setting.Name}: {(report.DryRun ? "(known after a real run)" : "(unchanged: see below)")}");
            else
                output.WriteLine($"  {setting.Name}={setting.Value}{(setting.Secret ? "    <- shown this once: store it now" : "")}");
        }
        foreach (var note in report.Notes)
            output.WriteLine($"Note: {note}");
        return 0;
    }

    /// <summary>The app's settings as a command reads them: <c>--settings</c> (or local.settings.json), environment variables winning.</summary>
    private static IConfiguration Settings(Arguments args)
    {
        Arguments.RequireFile(args.Value("--settings"));
        var local = LocalSettings.Load(args.Value("--settings"));
        return new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
    }
}
