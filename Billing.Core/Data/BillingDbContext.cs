using Billing.Core.Subscriptions;
using Billing.Core.Usage;
using Billing.Core.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Billing.Core.Data;

/// <summary>The billing schema (tables: docs/architecture.md#data). Names are snake_case through EFCore.NamingConventions.</summary>
public sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<UsageRecord> UsageRecords => Set<UsageRecord>();
    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();
    public DbSet<UsageConsumption> UsageConsumptions => Set<UsageConsumption>();
    public DbSet<StripeSubscription> Subscriptions => Set<StripeSubscription>();
    public DbSet<OpenCheckoutSession> OpenCheckoutSessions => Set<OpenCheckoutSession>();
    public DbSet<SubscriptionSchedule> SubscriptionSchedules => Set<SubscriptionSchedule>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Tenant>(t =>
        {
            t.ToTable("tenants");
            t.HasKey(x => x.Id);
            t.Property(x => x.Id).ValueGeneratedNever();
            t.HasIndex(x => x.StripeCustomerId).IsUnique();
            t.HasIndex(x => x.StripeSubscriptionId).IsUnique();
            TierDefaultingToFree(t.Property(x => x.PlanTier));
            t.Property(x => x.BillingInterval).HasConversion(IntervalConverter);
            t.Property(x => x.Currency).HasMaxLength(3);
            TierDefaultingToFree(t.Property(x => x.LimitsTier));
            t.Property(x => x.PendingPlanTier).HasConversion(TierConverter);
            t.Property(x => x.SubscriptionStatus).HasDefaultValue(SubscriptionStatuses.Active);
            t.HasIndex(x => x.BillingPeriodEnd);
            t.ToTable(x =>
            {
                x.HasCheckConstraint("ck_tenants_plan_tier", $"plan_tier IN {AnyTier}");
                x.HasCheckConstraint("ck_tenants_billing_interval", $"billing_interval IS NULL OR billing_interval IN {AnyInterval}");
                x.HasCheckConstraint("ck_tenants_limits_tier", $"limits_tier IN {AnyTier}");
                x.HasCheckConstraint("ck_tenants_currency", CurrencyCheck);
            });
        });

        model.Entity<UsageRecord>(u =>
        {
            u.ToTable("usage_records");
            u.HasKey(x => x.Id);
            u.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
            u.HasIndex(x => new { x.TenantId, x.PeriodStart }).IsUnique();
            u.ToTable(x =>
            {
                x.HasCheckConstraint("ck_usage_records_counts_non_negative",
                    "shipments_count >= 0 AND escrows_count >= 0 AND api_calls_count >= 0");
                x.HasCheckConstraint("ck_usage_records_period", "period_end > period_start");
            });
        });

        model.Entity<WebhookEvent>(w =>
        {
            w.ToTable("webhook_events");
            w.HasKey(x => x.Id);
            w.HasIndex(x => x.StripeEventId).IsUnique();
            w.Property(x => x.Payload).HasColumnType("jsonb");
            // The payload sweep's way in: only rows whose payload is still kept, oldest first.
            w.HasIndex(x => x.ReceivedAt).HasFilter("payload IS NOT NULL").HasDatabaseName("ix_webhook_events_received_at_payload_kept");
            w.ToTable(x => x.HasCheckConstraint("ck_webhook_events_outcome",
                $"outcome IS NULL OR outcome IN ({string.Join(", ", WebhookOutcomes.All.Select(o => $"'{o}'"))})"));
        });

        model.Entity<StripeSubscription>(s =>
        {
            s.ToTable("subscriptions");
            s.HasKey(x => x.Id);
            s.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
            s.HasIndex(x => x.TenantId);
            s.Property(x => x.PlanTier).HasConversion(TierConverter);
            s.Property(x => x.BillingInterval).HasConversion(IntervalConverter);
            s.Property(x => x.Currency).HasMaxLength(3);
            s.Ignore(x => x.StatePosition);
            s.Ignore(x => x.PaymentPosition);
            s.Ignore(x => x.HasState);
            s.Ignore(x => x.EffectiveStatus);
            s.Ignore(x => x.IsLive);
            s.Ignore(x => x.PaymentFailedAt);
            s.Property(x => x.FailedPaymentsAt).HasDefaultValueSql("ARRAY[]::timestamp with time zone[]");
            s.ToTable(x =>
            {
                x.HasCheckConstraint("ck_subscriptions_plan_tier", "plan_tier IS NULL OR plan_tier IN ('pro', 'enterprise')");
                x.HasCheckConstraint("ck_subscriptions_billing_interval", $"billing_interval IS NULL OR billing_interval IN {AnyInterval}");
                x.HasCheckConstraint("ck_subscriptions_currency", CurrencyCheck);
            });
        });

        model.Entity<SubscriptionSchedule>(s =>
        {
            s.ToTable("subscription_schedules");
            s.HasKey(x => x.Id);
            s.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
            s.HasIndex(x => x.TenantId);
            s.Property(x => x.NextTier).HasConversion(TierConverter);
            s.Ignore(x => x.Position);
            s.ToTable(x => x.HasCheckConstraint("ck_subscription_schedules_next_tier", $"next_tier IS NULL OR next_tier IN {AnyTier}"));
        });

        model.Entity<OpenCheckoutSession>(o =>
        {
            o.ToTable("open_checkout_sessions");
            o.HasKey(x => x.TenantId);
            o.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<UsageConsumption>(c =>
        {
            c.ToTable("usage_consumptions");
            c.HasKey(x => new { x.TenantId, x.IdempotencyKey });
            c.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Cascade);
            c.Property(x => x.IdempotencyKey).HasMaxLength(255);
            c.HasIndex(x => x.CreatedAt); // the retention sweep deletes the oldest first
            c.ToTable(x => x.HasCheckConstraint("ck_usage_consumptions_quantity", "quantity BETWEEN 1 AND 1000"));
        });
    }

    /// <summary>The plan tiers and billing intervals a column may hold, as their wire names in SQL.</summary>
    private const string AnyTier = "('free', 'pro', 'enterprise')";
    private const string AnyInterval = "('month', 'year')";

    /// <summary>Stripe's currency codes: three lowercase letters.</summary>
    private const string CurrencyCheck = "currency IS NULL OR currency ~ '^[a-z][a-z][a-z]$'";

    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<BillingInterval, string> IntervalConverter =
        new(interval => WireNames.Of(interval), text => ParseInterval(text));

    /// <summary>A tier column stores the tier's wire name; a null tier stays null (EF does not convert nulls).</summary>
    private static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<PlanTier, string> TierConverter =
        new(tier => WireNames.Of(tier), text => ParseTier(text));

    /// <summary>A tier the tenant always has: free unless set (the sentinel lets EF send Free rather than leave it to the default).</summary>
    private static void TierDefaultingToFree(Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<PlanTier> tier) =>
        tier.HasConversion(TierConverter).HasDefaultValue(PlanTier.Free).HasSentinel((PlanTier)(-1));

    private static BillingInterval ParseInterval(string text) =>
        WireNames.TryParseInterval(text, out var interval) ? interval : throw new InvalidDataException($"Unknown billing interval '{text}'.");

    private static PlanTier ParseTier(string text) =>
        WireNames.TryParseTier(text, out var tier) ? tier : throw new InvalidDataException($"Unknown plan tier '{text}' in tenants.plan_tier.");
}
