using Azure;
using Azure.Storage.Queues;
using Billing.Core.Webhooks;
using Billing.Functions;
using Microsoft.AspNetCore.Builder;
using Npgsql;
using System.Net;
using System.Net.Sockets;

namespace Billing.DevHost;

/// <summary>
/// The command line: the host itself and its operator commands, each with <c>--help</c>. A wrong argument, a
/// bad setting or an unreachable dependency ends with one line on stderr that names what to fix, exit code 2
/// (arguments, settings) or 1 (a dependency or the port), and no stack trace.
/// </summary>
public static class DevHostCli
{
    public const string HostUsage = """
        Billing.DevHost: runs LogiNexus Billing's Azure Functions locally (HTTP, queue and timer triggers),
        the way `func start` would. Applies pending EF Core migrations first.

        Usage:
          Billing.DevHost [--settings PATH]        run the host
          Billing.DevHost token [options]          print a dev bearer token (see: token --help)
          Billing.DevHost replay-poison [options]  move dead-lettered Stripe events back (see: replay-poison --help)
          Billing.DevHost reconcile [options]      compare every subscription with Stripe and repair drift (see: reconcile --help)
          Billing.DevHost stripe-setup --url URL   make the Stripe account match the code, print the settings (see: stripe-setup --help)

        Options:
          --settings PATH   local.settings.json to read (default: ./local.settings.json, then beside the app)
          -h, --help        show this text

        Environment: ASPNETCORE_URLS (where to listen; default http://127.0.0.1:7071), AZURE_FUNCTIONS_ENVIRONMENT or
        ASPNETCORE_ENVIRONMENT (default Development; DEMO_MODE=true is refused in Production) and every setting of
        docs/settings.md. Environment variables win over the settings file's Values.
        """;

    public const string TokenUsage = """
        Billing.DevHost token: prints a bearer token signed with AUTH_JWT_SIGNING_KEY (local development only).

        Usage:
          Billing.DevHost token [--tenant UUID] [--role ROLE] [--hours N] [--settings PATH]

        Options:
          --tenant UUID     the token's tenant_id (default 11111111-1111-4111-8111-111111111111)
          --role ROLE       admin or member (default admin)
          --hours N         lifetime in hours, 1 to 720 (default 12)
          --settings PATH   local.settings.json to read AUTH_JWT_* from
          -h, --help        show this text
        """;

    public const string ReplayUsage = """
        Billing.DevHost replay-poison: moves Stripe events from stripe-events-poison back to stripe-events.

        Usage:
          Billing.DevHost replay-poison [--max N] [--settings PATH]

        Options:
          --max N           move at most N messages, 1 to 100000 (default 1000)
          --settings PATH   local.settings.json to read AzureWebJobsStorage from
          -h, --help        show this text

        In Azure: AzureWebJobsStorage__accountName=<account> Billing.DevHost replay-poison (uses your az login).
        """;

    public const string ReconcileUsage = """
        Billing.DevHost reconcile: lists every subscription in Stripe and applies each as a snapshot through the
        applier's own order, repairing drift; exits 1 when a paid tenant's subscription is missing in Stripe.

        Usage:
          Billing.DevHost reconcile [--settings PATH]

        Options:
          --settings PATH   local.settings.json to read the database, Stripe and storage settings from
          -h, --help        show this text
        """;

    public const string StripeSetupUsage = """
        Billing.DevHost stripe-setup: makes the Stripe account of STRIPE_SECRET_KEY match the code, and prints the
        settings to put in Key Vault / app settings. Run it again any time: it changes only what differs, and says so.

          - a product per paid plan (loginexus_pro, loginexus_enterprise) and its prices, monthly and yearly, under
            the lookup keys loginexus_<plan>_monthly / loginexus_<plan>_yearly with the plan catalogue's amounts;
            a changed amount is a new price that takes the lookup key, and the old price is archived
          - the billing portal configuration: invoices, payment methods, customer details, cancel at period end
            with reasons, switching among exactly these prices (downgrades at period end)
          - the webhook endpoint at --url with exactly the event types the app applies; its signing secret is
            printed once, when the endpoint is created

        Usage:
          Billing.DevHost stripe-setup --url URL [--dry-run] [--settings PATH]

        Options:
          --url URL         public URL of the app's webhook, e.g. https://<app>.azurewebsites.net/api/v1/billing/webhooks
          --dry-run         read the account and print what would change; change nothing
          --settings PATH   local.settings.json to read STRIPE_SECRET_KEY (and STRIPE_API_BASE) from
          -h, --help        show this text

        Environment variables win over the settings file: STRIPE_SECRET_KEY=sk_live_… Billing.DevHost stripe-setup --url …
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var output = stdout ?? Console.Out;
        var error = stderr ?? Console.Error;
        var command = args.FirstOrDefault() is { } first && !first.StartsWith('-') ? first : null;
        var rest = command is null ? args : args[1..];
        try
        {
            switch (command)
            {
                case null:
                    var host = Arguments.Parse(rest, "--settings");
                    if (host.Help) { output.Write(HostUsage); return 0; }
                    return await RunHostAsync(host.Value("--settings"), error);
                case "token":
                    var token = Arguments.Parse(rest, "--tenant", "--role", "--hours", "--settings");
                    if (token.Help) { output.Write(TokenUsage); return 0; }
                    return DevTokens.Run(token, output);
                case "replay-poison":
                    var replay = Arguments.Parse(rest, "--max", "--settings");
                    if (replay.Help) { output.Write(ReplayUsage); return 0; }
                    return await OperatorCommands.ReplayPoisonAsync(replay, output, error);
                case "reconcile":
                    var reconcile = Arguments.Parse(rest, "--settings");
                    if (reconcile.Help) { output.Write(ReconcileUsage); return 0; }
                    return await OperatorCommands.ReconcileAsync(reconcile, output, error);
                case "stripe-setup":
                    var setup = Arguments.Parse(rest, ["--dry-run"], "--url", "--settings");
                    if (setup.Help) { output.Write(StripeSetupUsage); return 0; }
                    return await OperatorCommands.StripeSetupAsync(setup, output, error);
                case "help":
                    output.Write(HostUsage);
                    return 0;
                default:
                    throw new UsageException($"unknown command '{command}'. Commands: token, replay-poison, reconcile, stripe-setup; see Billing.DevHost --help");
            }
        }
        catch (UsageException e)
        {
            error.WriteLine($"Billing.DevHost: {e.Message}");
            return 2;
        }
        catch (Exception e) when (HostStartup.FindConfigurationError(e) is { } message)
        {
            error.WriteLine($"Configuration error: {message}");
            return 2;
        }
        catch (Exception e) when (DescribeUnavailable(e) is { } message)
        {
            error.WriteLine(message);
            return 1;
        }
    }

    private static async Task<int> RunHostAsync(string? settingsPath, TextWriter error)
    {
        Arguments.RequireFile(settingsPath);
        WebApplication app;
        try
        {
            app = await DevHostApp.BuildAsync(new DevHostOptions { SettingsPath = settingsPath });
        }
        catch (Exception e) when (e is NpgsqlException || e.InnerException is NpgsqlException)
        {
            throw new DependencyException(DescribeDatabase(e, settingsPath));
        }

        await using (app)
        {
            await CheckQueueStorageAsync(app.Services.GetRequiredService<QueueServiceClient>());
            CheckAddressesFree((app.Configuration["urls"] ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? DevHostApp.DefaultUrls)
                .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await app.RunAsync();
        }
        return 0;
    }

    /// <summary>Fails fast when queue storage cannot be reached, rather than logging a retry loop forever.</summary>
    private static async Task CheckQueueStorageAsync(QueueServiceClient storage)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await storage.GetQueueClient(Queues.StripeEvents).CreateIfNotExistsAsync(cancellationToken: timeout.Token);
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException)
        {
            var reason = e is OperationCanceledException ? "no answer in 15 s" : Innermost(e).Message.Split('\n')[0].Trim();
            throw new DependencyException($"Cannot reach queue storage at {storage.Uri.GetLeftPart(UriPartial.Authority)} ({reason}): " +
                "check AzureWebJobsStorage (locally: is Azurite running? scripts/run.sh starts it)");
        }
    }

    /// <summary>
    /// Kestrel would report a taken port only after the host logged it with a stack trace; binding first
    /// turns it into one line. (If another process takes the port in between, Kestrel's error still ends here.)
    /// </summary>
    private static void CheckAddressesFree(ICollection<string> urls)
    {
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri) || uri.Port == 0)
                continue;
            var addresses = uri.Host == "localhost" ? [IPAddress.Loopback] : IPAddress.TryParse(uri.Host, out var ip) ? [ip] : Array.Empty<IPAddress>();
            foreach (var address in addresses)
            {
                var probe = new TcpListener(address, uri.Port);
                try
                {
                    probe.Start();
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    throw new DependencyException(AddressInUse(url));
                }
                finally
                {
                    probe.Stop();
                }
            }
        }
    }

    private static string AddressInUse(string urls) =>
        $"Cannot listen on {urls}: the address is already in use. Stop the other process or set ASPNETCORE_URLS to a free address.";

    private static string DescribeDatabase(Exception e, string? settingsPath)
    {
        var npgsql = e as NpgsqlException ?? (NpgsqlException)e.InnerException!;
        var target = "the database";
        try
        {
            var local = LocalSettings.Load(settingsPath);
            var settings = new ConfigurationBuilder().AddInMemoryCollection(local.Values).AddEnvironmentVariables().Build();
            var builder = new NpgsqlConnectionStringBuilder(settings["BILLING_DATABASE"]);
            target = $"{builder.Host}:{builder.Port}" + (builder.Database is { Length: > 0 } db ? $"/{db}" : "");
        }
        catch (Exception wording) when (wording is ArgumentException or FormatException or IOException or InvalidDataException or System.Text.Json.JsonException)
        {
            // Only wording: the original failure is what gets reported.
        }
        var reason = npgsql is PostgresException pg ? $"{pg.SqlState} {pg.MessageText}" : Innermost(npgsql).Message;
        return $"Cannot use PostgreSQL at {target} ({reason}): check BILLING_DATABASE (locally: is PostgreSQL running? scripts/run.sh starts it)";
    }

    /// <summary>One line for a failure of something outside DevHost, or null for a bug (which keeps its stack trace).</summary>
    private static string? DescribeUnavailable(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case DependencyException d:
                    return d.Message;
                case IOException io when io.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                                         || io.GetType().Name == "AddressInUseException" || io.InnerException?.GetType().Name == "AddressInUseException":
                    return AddressInUse(Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? DevHostApp.DefaultUrls);
            }
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private sealed class DependencyException(string message) : Exception(message);
}

/// <summary>A command line that cannot be followed; the message says what is wrong and where to look.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Options of one command: <c>--name value</c> pairs and <c>-h/--help</c>; anything else is refused.</summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public bool Help { get; private init; }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    /// <summary>Whether a flag (an option without a value, such as <c>--dry-run</c>) was given.</summary>
    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>Refuses a <c>--settings</c> path that names no file.</summary>
    public static void RequireFile(string? settingsPath)
    {
        if (settingsPath is not null && !File.Exists(settingsPath))
            throw new UsageException($"--settings {settingsPath}: no such file");
    }

    public static Arguments Parse(string[] args, params string[] options) => Parse(args, [], options);

    public static Arguments Parse(string[] args, string[] flags, params string[] options)
    {
        var parsed = new Arguments { Help = args.Contains("--help") || args.Contains("-h") };
        if (parsed.Help) return parsed;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (flags.Contains(name))
            {
                if (!parsed._flags.Add(name)) throw new UsageException($"{name} is given twice");
                continue;
            }
            if (!options.Contains(name))
                throw new UsageException($"unknown option '{name}'. Options: {string.Join(", ", options.Concat(flags))}, --help");
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"{name} needs a value");
            if (!parsed._values.TryAdd(name, args[++i]))
                throw new UsageException($"{name} is given twice");
        }
        return parsed;
    }
}
