using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class SubscriptionLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancel_at",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "grace_until",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "limits_tier",
                table: "tenants",
                type: "text",
                nullable: false,
                defaultValue: "free");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "payment_failed_at",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "pending_change_at",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "pending_plan_tier",
                table: "tenants",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "trial_end",
                table: "tenants",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "cancel_at",
                table: "subscriptions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<List<DateTimeOffset>>(
                name: "failed_payments_at",
                table: "subscriptions",
                type: "timestamp with time zone[]",
                nullable: false,
                defaultValueSql: "ARRAY[]::timestamp with time zone[]");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "last_paid_at",
                table: "subscriptions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "trial_end",
                table: "subscriptions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "subscription_schedules",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    subscription_id = table.Column<string>(type: "text", nullable: false),
                    next_tier = table.Column<string>(type: "text", nullable: true),
                    next_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    ended = table.Column<bool>(type: "boolean", nullable: false),
                    stripe_created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    event_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    event_rank = table.Column<short>(type: "smallint", nullable: true),
                    event_id = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subscription_schedules", x => x.id);
                    table.CheckConstraint("ck_subscription_schedules_next_tier", "next_tier IS NULL OR next_tier IN ('free', 'pro', 'enterprise')");
                    table.ForeignKey(
                        name: "fk_subscription_schedules_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.AddCheckConstraint(
                name: "ck_tenants_limits_tier",
                table: "tenants",
                sql: "limits_tier IN ('free', 'pro', 'enterprise')");

            migrationBuilder.CreateIndex(
                name: "ix_subscription_schedules_tenant_id",
                table: "subscription_schedules",
                column: "tenant_id");

            // Tenants as they were: their paid limits as before (only unpaid ones lose them now), a cancellation's end, and
            // subscriptions' trial and cancellation unknown until their next event or the next reconciliation.
            migrationBuilder.Sql(
                """
                UPDATE tenants
                   SET limits_tier = CASE WHEN subscription_status IN ('active', 'trialing', 'past_due') THEN plan_tier ELSE 'free' END,
                       cancel_at = CASE WHEN cancel_at_period_end THEN billing_period_end END;
                UPDATE subscriptions SET cancel_at = period_end WHERE cancel_at_period_end AND NOT ended;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "subscription_schedules");

            migrationBuilder.DropCheckConstraint(
                name: "ck_tenants_limits_tier",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "cancel_at",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "grace_until",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "limits_tier",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "payment_failed_at",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "pending_change_at",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "pending_plan_tier",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "trial_end",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "cancel_at",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "failed_payments_at",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "last_paid_at",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "trial_end",
                table: "subscriptions");
        }
    }
}
