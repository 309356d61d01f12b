using System;
using CouponEvent.Data.Model;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CouponEvent.Data.Migrations
{
    /// <inheritdoc />
    public partial class EventsSettle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "settled_at",
                table: "events",
                type: "datetime(6)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "settled_reason",
                table: "events",
                type: "varchar(16)",
                unicode: false,
                maxLength: 16,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "IX_events_created_at",
                table: "events",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "IX_events_settled_at",
                table: "events",
                column: "settled_at");

            // Whoever opens a failed event of a settled event (the Consumer, the RetryJob, an operator's redrive, a
            // migration by hand) makes it live again: the database does it, so that no writer can forget to.
            migrationBuilder.Sql($"""
                CREATE TRIGGER failed_events_unsettle_insert AFTER INSERT ON failed_events FOR EACH ROW
                UPDATE events SET settled_at = NULL, settled_reason = NULL
                WHERE id = NEW.event_id AND settled_at IS NOT NULL AND NEW.status <> {(int)FailedEventStatus.Resolved}
                """);
            migrationBuilder.Sql($"""
                CREATE TRIGGER failed_events_unsettle_update AFTER UPDATE ON failed_events FOR EACH ROW
                UPDATE events SET settled_at = NULL, settled_reason = NULL
                WHERE id = NEW.event_id AND settled_at IS NOT NULL AND NEW.status <> {(int)FailedEventStatus.Resolved}
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER failed_events_unsettle_insert");
            migrationBuilder.Sql("DROP TRIGGER failed_events_unsettle_update");

            migrationBuilder.DropIndex(
                name: "IX_events_created_at",
                table: "events");

            migrationBuilder.DropIndex(
                name: "IX_events_settled_at",
                table: "events");

            migrationBuilder.DropColumn(
                name: "settled_at",
                table: "events");

            migrationBuilder.DropColumn(
                name: "settled_reason",
                table: "events");
        }
    }
}
