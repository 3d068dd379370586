using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class Currency : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "currency",
                table: "tenants",
                type: "character varying(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "currency",
                table: "subscriptions",
                type: "character varying(3)",
                maxLength: 3,
                nullable: true);

            migrationBuilder.AddCheckConstraint(
                name: "ck_tenants_currency",
                table: "tenants",
                sql: "currency IS NULL OR currency ~ '^[a-z][a-z][a-z]$'");

            migrationBuilder.AddCheckConstraint(
                name: "ck_subscriptions_currency",
                table: "subscriptions",
                sql: "currency IS NULL OR currency ~ '^[a-z][a-z][a-z]$'");

            // Every price before this migration was in US dollars.
            migrationBuilder.Sql("UPDATE subscriptions SET currency = 'usd' WHERE plan_tier IS NOT NULL;");
            migrationBuilder.Sql("UPDATE tenants t SET currency = 'usd' WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.tenant_id = t.id AND s.currency IS NOT NULL);");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_tenants_currency",
                table: "tenants");

            migrationBuilder.DropCheckConstraint(
                name: "ck_subscriptions_currency",
                table: "subscriptions");

            migrationBuilder.DropColumn(
                name: "currency",
                table: "tenants");

            migrationBuilder.DropColumn(
                name: "currency",
                table: "subscriptions");
        }
    }
}
