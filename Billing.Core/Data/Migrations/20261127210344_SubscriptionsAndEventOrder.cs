using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class SubscriptionsAndEventOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_webhook_events_outcome",
                table: "webhook_events");

            migrationBuilder.CreateTable(
                name: "open_checkout_sessions",
                columns: table => new
                {
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    session_id = table.Column<string>(type: "text", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_open_checkout_sessions", x => x.tenant_id);
                    table.ForeignKey(
                        name: "fk_open_checkout_sessions_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "subscriptions",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    customer_id = table.Column<string>(type: "text", nullable: true),
                    checkout_session_id = table.Column<string>(type: "text", nullable: true),
                    stripe_created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    plan_tier = table.Column<string>(type: "text", nullable: true),
                    status = table.Column<string>(type: "text", nullable: true),
                    cancel_at_period_end = table.Column<bool>(type: "boolean", nullable: false),
                    period_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    period_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    state_event_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    state_event_rank = table.Column<short>(type: "smallint", nullable: true),
                    state_event_id = table.Column<string>(type: "text", nullable: true),
                    last_payment_failed = table.Column<bool>(type: "boolean", nullable: true),
                    payment_event_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    payment_event_rank = table.Column<short>(type: "smallint", nullable: true),
                    ended = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subscriptions", x => x.id);
                    table.CheckConstraint("ck_subscriptions_plan_tier", "plan_tier IS NULL OR plan_tier IN ('pro', 'enterprise')");
                    table.ForeignKey(
                        name: "fk_subscriptions_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_webhook_events_outcome",
                table: "webhook_events",
                sql: "outcome IS NULL OR outcome IN ('applied', 'ignored', 'stale', 'tie_resolved', 'duplicate_subscription', 'drift_repaired')");

            migrationBuilder.CreateIndex(
                name: "ix_subscriptions_tenant_id",
                table: "subscriptions",
                column: "tenant_id");

            // Each tenant's current subscription, as the tenant row knew it, becomes its first subscriptions row,
            // so events arriving after the upgrade are ordered against it (at rank 2, an update: the strongest
            // claim the old single timestamp made).
            migrationBuilder.Sql("""
                INSERT INTO subscriptions (id, tenant_id, customer_id, plan_tier, status, cancel_at_period_end, period_start, period_end,
                                           state_event_at, state_event_rank, ended, created_at, updated_at)
                SELECT stripe_subscription_id, id, stripe_customer_id, NULLIF(plan_tier, 'free'), subscription_status, cancel_at_period_end,
                       billing_period_start, billing_period_end, coalesce(subscription_event_at, updated_at), 2, false, now(), now()
                FROM tenants WHERE stripe_subscription_id IS NOT NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "open_checkout_sessions");

            migrationBuilder.DropTable(
                name: "subscriptions");

            migrationBuilder.DropCheckConstraint(
                name: "ck_webhook_events_outcome",
                table: "webhook_events");

            migrationBuilder.AddCheckConstraint(
                name: "ck_webhook_events_outcome",
                table: "webhook_events",
                sql: "outcome IS NULL OR outcome IN ('applied', 'ignored', 'stale')");
        }
    }
}
