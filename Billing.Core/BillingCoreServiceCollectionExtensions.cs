using Billing.Core.Data;
using Billing.Core.Identity;
using Billing.Core.Invoices;
using Billing.Core.Stripe;
using Billing.Core.Subscriptions;
using Billing.Core.Usage;
using Billing.Core.Webhooks;
using Cronos;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Billing.Core;

public static class BillingCoreServiceCollectionExtensions
{
    /// <summary>Everything Billing.Core needs, with every setting bound and checked when the host starts.</summary>
    public static IServiceCollection AddBillingCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<DatabaseOptions>().Bind(configuration)
            .Validate(o => IsConnectionString(o.ConnectionString), "BILLING_DATABASE must be an Npgsql connection string (Host=…;Database=…)")
            .ValidateOnStart();

        services.AddOptions<AuthOptions>().Bind(configuration)
            .Validate(o => !string.IsNullOrWhiteSpace(o.Issuer), "AUTH_JWT_ISSUER is required")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Audience), "AUTH_JWT_AUDIENCE is required")
            .Validate(o => o.Authority.Length > 0 || o.HasValidSigningKeys,
                $"AUTH_JWT_SIGNING_KEY must be one or more comma-separated keys of at least {AuthOptions.MinimumKeyBytes} bytes each (or set AUTH_JWT_AUTHORITY)")
            // A host without IHostEnvironment (a bare service collection) counts as production: https only.
            .Validate<IServiceProvider>((o, sp) => o.Authority.Length == 0 ||
                    AuthOptions.IsAllowedAuthority(o.Authority, sp.GetService<IHostEnvironment>()?.IsDevelopment() == true),
                "AUTH_JWT_AUTHORITY must be an absolute https URL (http is allowed only for a loopback authority in Development)")
            .ValidateOnStart();

        services.AddOptions<StripeOptions>().Bind(configuration)
            .Validate(o => o.WebhookSecrets.Count > 0 && o.WebhookSecrets.All(s => s.StartsWith("whsec_", StringComparison.Ordinal)),
                "STRIPE_WEBHOOK_SECRET is required: one or more comma-separated whsec_… secrets")
            .Validate(o => !string.IsNullOrWhiteSpace(o.PricePro), "STRIPE_PRICE_PRO is required")
            .Validate(o => !string.IsNullOrWhiteSpace(o.PriceEnterprise), "STRIPE_PRICE_ENTERPRISE is required")
            .Validate(o => o.PricePro != o.PriceEnterprise, "STRIPE_PRICE_PRO and STRIPE_PRICE_ENTERPRISE must differ")
            .Validate(o => o.Prices.Select(p => p.PriceId).Distinct().Count() == o.Prices.Count(),
                "STRIPE_PRICE_PRO_YEARLY and STRIPE_PRICE_ENTERPRISE_YEARLY, when set, must differ from each other and from the monthly prices")
            .Validate(o => o.PortalConfiguration.Length == 0 || o.PortalConfiguration.StartsWith("bpc_", StringComparison.Ordinal),
                "STRIPE_PORTAL_CONFIGURATION must be a billing portal configuration id (bpc_…, printed by stripe-setup) or empty")
            .Validate(o => o.ApiBase.Length == 0 || IsAbsoluteHttpUrl(o.ApiBase), "STRIPE_API_BASE must be an absolute http(s) URL")
            .Validate(o => o.ForceDemoMode || !string.IsNullOrWhiteSpace(o.SecretKey),
                "STRIPE_SECRET_KEY is required (sk_… or rk_…); to run without Stripe locally, ask for demo mode with DEMO_MODE=true")
            .Validate(o => o.SecretKey.Length == 0 || o.SecretKey.StartsWith("sk_", StringComparison.Ordinal) || o.SecretKey.StartsWith("rk_", StringComparison.Ordinal),
                "STRIPE_SECRET_KEY must be a Stripe secret key (sk_… or rk_…)")
            // A host without IHostEnvironment (a bare service collection) counts as production, as for the authority.
            .Validate<IServiceProvider>((o, sp) => !o.ForceDemoMode || sp.GetService<IHostEnvironment>() is { } env && !env.IsProduction(),
                "DEMO_MODE=true is refused in the Production environment (AZURE_FUNCTIONS_ENVIRONMENT/ASPNETCORE_ENVIRONMENT): in demo mode any tenant admin upgrades for free")
            .Validate(o => IsNCrontab(o.ReconcileSchedule), "STRIPE_RECONCILE_SCHEDULE must be a six-field NCRONTAB expression such as '0 30 3 * * *'")
            .Validate(o => o.TrialDays is >= 0 and <= StripeOptions.MaxTrialDays,
                $"STRIPE_TRIAL_DAYS must be a whole number of days from 0 (no trial) to {StripeOptions.MaxTrialDays}")
            .ValidateOnStart();

        services.AddOptions<BillingOptions>().Bind(configuration)
            .Validate(o => IsOrigin(o.FrontendBaseUrl), "FRONTEND_BASE_URL must be an absolute http(s) origin such as https://app.example.com")
            .Validate(o => IsNCrontab(o.RolloverSchedule), "USAGE_ROLLOVER_SCHEDULE must be a six-field NCRONTAB expression such as '0 5 * * * *'")
            .Validate(o => o.IdempotencyRetentionDays is >= BillingOptions.MinRetentionDays and <= BillingOptions.MaxRetentionDays,
                $"USAGE_IDEMPOTENCY_RETENTION_DAYS must be a whole number of days from {BillingOptions.MinRetentionDays} (longer than any billing period) to {BillingOptions.MaxRetentionDays}")
            .Validate(o => o.PaymentGraceDays is >= 0 and <= BillingOptions.MaxPaymentGraceDays,
                $"PAYMENT_GRACE_DAYS must be a whole number of days from 0 to {BillingOptions.MaxPaymentGraceDays}")
            .Validate(o => o.WebhookPayloadRetentionDays is >= BillingOptions.MinPayloadRetentionDays and <= BillingOptions.MaxRetentionDays,
                $"WEBHOOK_PAYLOAD_RETENTION_DAYS must be a whole number of days from {BillingOptions.MinPayloadRetentionDays} to {BillingOptions.MaxRetentionDays}")
            .Validate(o => IsNCrontab(o.PayloadSweepSchedule), "WEBHOOK_PAYLOAD_SWEEP_SCHEDULE must be a six-field NCRONTAB expression such as '0 15 4 * * *'")
            .ValidateOnStart();

        services.AddOptions<StorageOptions>().Configure(o => StorageOptions.Bind(o, configuration))
            .Validate(o => o.IsValid, StorageOptions.Requirement)
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.CreateServiceClient());
        services.AddSingleton(sp => new StripeEventPayloads(sp.GetRequiredService<IOptions<StorageOptions>>().Value.CreatePayloadContainer(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<StripeEventPayloads>>()));

        services.AddSingleton(sp => DatabaseOptions.CreateDataSource(
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString,
            sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        // The factory (for singletons such as TenantDirectory) also registers BillingDbContext as a scoped service.
        services.AddDbContextFactory<BillingDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseSnakeCaseNamingConvention());

        services.AddSingleton<TokenValidator>();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<UsageService>();
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<Billing.Core.Plans.PlanOffers>();
        services.AddSingleton<UsageRollover>();
        services.AddSingleton<WebhookPayloadRetention>();
        services.AddSingleton<CheckoutService>();
        services.AddSingleton<SubscriptionLifecycle>();
        services.AddSingleton<InvoiceHistory>();
        services.AddSingleton(sp => StripeHttp.CreateClient(sp.GetRequiredService<IOptions<StripeOptions>>().Value));
        services.AddSingleton<StripeCalls>();
        services.AddSingleton<IBillingProvider>(sp => sp.GetRequiredService<IOptions<StripeOptions>>().Value.IsDemo
            ? ActivatorUtilities.CreateInstance<DemoBillingProvider>(sp)
            : ActivatorUtilities.CreateInstance<StripeBillingProvider>(sp));
        services.AddSingleton<StripeEventQueue>();
        services.AddSingleton<WebhookReceiver>();
        services.AddScoped<StripeEventApplier>();
        services.AddScoped<StripeEventInbox>();
        services.AddSingleton<SubscriptionReconciler>();
        return services;
    }

    /// <summary>
    /// What <c>stripe-setup</c> needs, and only that: the account it prepares has no prices, portal or webhook
    /// secret yet, so of the Stripe settings only STRIPE_SECRET_KEY (and STRIPE_API_BASE) are read.
    /// </summary>
    public static IServiceCollection AddStripeSetup(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<StripeOptions>().Bind(configuration)
            .Validate(o => o.SecretKey.StartsWith("sk_", StringComparison.Ordinal) || o.SecretKey.StartsWith("rk_", StringComparison.Ordinal),
                "STRIPE_SECRET_KEY is required for stripe-setup: the secret key (sk_…) of the Stripe account to set up")
            .Validate(o => o.ApiBase.Length == 0 || IsAbsoluteHttpUrl(o.ApiBase), "STRIPE_API_BASE must be an absolute http(s) URL")
            .ValidateOnStart();
        services.AddSingleton(sp => StripeHttp.CreateClient(sp.GetRequiredService<IOptions<StripeOptions>>().Value));
        services.AddSingleton<StripeCalls>();
        services.AddSingleton<StripeSetup>();
        return services;
    }

    private static bool IsConnectionString(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        try { return !string.IsNullOrEmpty(new NpgsqlConnectionStringBuilder(value).Host); }
        catch (ArgumentException) { return false; }
    }

    private static bool IsAbsoluteHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool IsOrigin(string value) =>
        IsAbsoluteHttpUrl(value) && new Uri(value) is { PathAndQuery: "/", Fragment: "" } && !value.Contains('@');

    private static bool IsNCrontab(string value)
    {
        try { CronExpression.Parse(value, CronFormat.IncludeSeconds); return true; }
        catch (CronFormatException) { return false; }
    }
}
