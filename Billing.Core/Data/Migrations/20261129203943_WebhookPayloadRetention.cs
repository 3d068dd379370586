using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Billing.Core.Data.Migrations
{
    /// <summary>
    /// webhook_events.payload may be cleared after WEBHOOK_PAYLOAD_RETENTION_DAYS (the row stays for dedup), and the
    /// sweep finds the rows whose payload is still kept, oldest first, by a partial index.
    /// </summary>
    public partial class WebhookPayloadRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "payload",
                table: "webhook_events",
                type: "jsonb",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "jsonb");

            migrationBuilder.CreateIndex(
                name: "ix_webhook_events_received_at_payload_kept",
                table: "webhook_events",
                column: "received_at",
                filter: "payload IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_webhook_events_received_at_payload_kept",
                table: "webhook_events");

            // A cleared payload has nothing to go back to: an empty object keeps the row (and dedup).
            migrationBuilder.Sql("UPDATE webhook_events SET payload = '{}'::jsonb WHERE payload IS NULL");
            migrationBuilder.AlterColumn<string>(
                name: "payload",
                table: "webhook_events",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldNullable: true);
        }
    }
}
