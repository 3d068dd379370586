using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class BillingInterval : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "billing_interval",
                table: "tenants",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "billing_interval",
                table: "subscriptions",
                type: "text",
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_tenants_billing_interval",
                table: "tenants",
                sql: "billing_interval IS NULL OR billing_interval IN ('month', 'year')");

            migrationBuilder.AddCheckConstraint(
                name: "ck_subscriptions_billing_interval",
                table: "subscriptions",
                sql: "billing_interval IS NULL OR billing_interval IN ('month', 'year')");

            // Every price before this migration was monthly.
            migrationBuilder.Sql("UPDATE subscriptions SET billing_interval = 'month' WHERE plan_tier IS NOT NULL;");
            migrationBuilder.Sql("UPDATE tenants SET billing_interval = 'month' WHERE plan_tier <> 'free';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_tenants_billing_interval",
                table: "tenants");

            migrationBuilder.DropCheckConstraint(
                name: "ck_subscriptions_billing_interval",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "billing_interval",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "billing_interval",
                table: "subscriptions");
        }
    }
}
