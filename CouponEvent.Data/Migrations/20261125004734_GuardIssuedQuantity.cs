using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CouponEvent.Data.Migrations
{
    /// <inheritdoc />
    public partial class GuardIssuedQuantity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "recovered_at",
                table: "reconciliation_reports",
                type: "datetime(6)",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "recovery_cause",
                table: "reconciliation_reports",
                type: "varchar(32)",
                unicode: false,
                maxLength: 32,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<long>(
                name: "recovery_restored",
                table: "reconciliation_reports",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "refused",
                table: "reconciliation_reports",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "issued",
                table: "events",
                type: "int",
                nullable: false,
                defaultValue: 0);

            // The count as it stands; an event already over its quantity (issued before this guard) makes the
            // constraint below fail, naming it: such an event must be settled by hand before upgrading.
            migrationBuilder.Sql("UPDATE events e SET e.issued = (SELECT COUNT(*) FROM coupons c WHERE c.event_id = e.id)");

            // The database counts coupon rows itself, whoever writes them. Coupons never move between events,
            // so no UPDATE trigger (ON DUPLICATE KEY's no-op updates would pay for one on every redelivery).
            migrationBuilder.Sql("""
                CREATE TRIGGER coupons_count_insert AFTER INSERT ON coupons FOR EACH ROW
                UPDATE events SET issued = issued + 1 WHERE id = NEW.event_id
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER coupons_count_delete AFTER DELETE ON coupons FOR EACH ROW
                UPDATE events SET issued = issued - 1 WHERE id = OLD.event_id
                """);

            migrationBuilder.AddCheckConstraint(
                name: "CK_events_issued_within_quantity",
                table: "events",
                sql: "`issued` BETWEEN 0 AND `quantity`");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "CK_events_issued_within_quantity",
                table: "events");

            migrationBuilder.Sql("DROP TRIGGER coupons_count_insert");
            migrationBuilder.Sql("DROP TRIGGER coupons_count_delete");

            migrationBuilder.DropColumn(
                name: "recovered_at",
                table: "reconciliation_reports");

            migrationBuilder.DropColumn(
                name: "recovery_cause",
                table: "reconciliation_reports");

            migrationBuilder.DropColumn(
                name: "recovery_restored",
                table: "reconciliation_reports");

            migrationBuilder.DropColumn(
                name: "refused",
                table: "reconciliation_reports");

            migrationBuilder.DropColumn(
                name: "issued",
                table: "events");
        }
    }
}
