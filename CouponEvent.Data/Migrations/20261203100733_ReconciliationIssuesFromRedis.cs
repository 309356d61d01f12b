using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CouponEvent.Data.Migrations
{
    /// <summary>
    /// Reconciliation no longer frees slots: it issues lost promises from Redis's record. The old count (slots freed)
    /// means something else, so it is dropped rather than renamed.
    /// </summary>
    public partial class ReconciliationIssuesFromRedis : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "released", table: "reconciliation_reports");
            migrationBuilder.AddColumn<long>(name: "issued_from_redis", table: "reconciliation_reports", type: "bigint",
                nullable: false, defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(name: "issued_from_redis", table: "reconciliation_reports");
            migrationBuilder.AddColumn<long>(name: "released", table: "reconciliation_reports", type: "bigint",
                nullable: false, defaultValue: 0L);
        }
    }
}
