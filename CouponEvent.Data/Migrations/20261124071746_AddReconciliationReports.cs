using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CouponEvent.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddReconciliationReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "reconciliation_reports",
                columns: table => new
                {
                    event_id = table.Column<string>(type: "varchar(64)", unicode: false, maxLength: 64, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4"),
                    checked_at = table.Column<DateTimeOffset>(type: "datetime(6)", nullable: false),
                    quantity = table.Column<int>(type: "int", nullable: false),
                    admitted = table.Column<long>(type: "bigint", nullable: false),
                    issued = table.Column<long>(type: "bigint", nullable: false),
                    failed_open = table.Column<long>(type: "bigint", nullable: false),
                    unissued = table.Column<long>(type: "bigint", nullable: false),
                    pending = table.Column<long>(type: "bigint", nullable: false),
                    released = table.Column<long>(type: "bigint", nullable: false),
                    issued_without_admission = table.Column<long>(type: "bigint", nullable: false),
                    over_issued = table.Column<long>(type: "bigint", nullable: false),
                    status = table.Column<string>(type: "varchar(32)", unicode: false, maxLength: 32, nullable: false)
                        .Annotation("MySql:CharSet", "utf8mb4")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_reconciliation_reports", x => x.event_id);
                })
                .Annotation("MySql:CharSet", "utf8mb4");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reconciliation_reports");
        }
    }
}
