using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CouponEvent.Data.Migrations
{
    /// <summary>
    /// Applicants are access tokens' subjects, opaque strings. MODIFY COLUMN keeps every row: a numeric user id becomes
    /// its digits, which is what the API and the Kafka messages of before now name that user. Down fails on a subject
    /// that is not a number, as it must.
    /// </summary>
    public partial class ApplicantsAreTokenSubjects : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "user_id",
                table: "failed_events",
                type: "varchar(128)",
                maxLength: 128,
                nullable: false,
                collation: "ascii_bin",
                oldClrType: typeof(long),
                oldType: "bigint")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AlterColumn<string>(
                name: "user_id",
                table: "coupons",
                type: "varchar(128)",
                maxLength: 128,
                nullable: false,
                collation: "ascii_bin",
                oldClrType: typeof(long),
                oldType: "bigint")
                .Annotation("MySql:CharSet", "ascii");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<long>(
                name: "user_id",
                table: "failed_events",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "varchar(128)",
                oldMaxLength: 128,
                oldCollation: "ascii_bin")
                .OldAnnotation("MySql:CharSet", "ascii");

            migrationBuilder.AlterColumn<long>(
                name: "user_id",
                table: "coupons",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "varchar(128)",
                oldMaxLength: 128,
                oldCollation: "ascii_bin")
                .OldAnnotation("MySql:CharSet", "ascii");
        }
    }
}
