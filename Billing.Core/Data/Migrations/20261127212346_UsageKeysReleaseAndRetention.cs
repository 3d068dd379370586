using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class UsageKeysReleaseAndRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "period_start",
                table: "usage_consumptions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "plan_limit",
                table: "usage_consumptions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "released_at",
                table: "usage_consumptions",
                type: "timestamp with time zone",
                nullable: true);

            // Keys claimed before this migration: the period they were counted in is the tenant's usage row
            // whose period contains the claim; where two overlap (a plan change mid-period), the one that started
            // last, which is the one consumes went to from then on. plan_limit stays null: a replay answers the
            // current plan's limit.
            migrationBuilder.Sql("""
                UPDATE usage_consumptions c SET period_start = m.period_start
                  FROM (SELECT DISTINCT ON (k.tenant_id, k.idempotency_key) k.tenant_id, k.idempotency_key, r.period_start
                          FROM usage_consumptions k
                          JOIN usage_records r ON r.tenant_id = k.tenant_id AND k.created_at >= r.period_start AND k.created_at < r.period_end
                         ORDER BY k.tenant_id, k.idempotency_key, r.period_start DESC) m
                 WHERE c.tenant_id = m.tenant_id AND c.idempotency_key = m.idempotency_key;
                """);

            migrationBuilder.CreateIndex(
                name: "ix_usage_consumptions_created_at",
                table: "usage_consumptions",
                column: "created_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_usage_consumptions_created_at",
                table: "usage_consumptions");

            migrationBuilder.DropColumn(
                name: "period_start",
                table: "usage_consumptions");

            migrationBuilder.DropColumn(
                name: "plan_limit",
                table: "usage_consumptions");

            migrationBuilder.DropColumn(
                name: "released_at",
                table: "usage_consumptions");
        }
    }
}
