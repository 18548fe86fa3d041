using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ChunkRangesAndTruncatedLines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "LastLineUnterminated",
                table: "sessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<long>(
                name: "TruncatedLines",
                table: "sessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "MalformedLines",
                table: "chunks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "MaxTsMicros",
                table: "chunks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "MinTsMicros",
                table: "chunks",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastLineUnterminated",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "TruncatedLines",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "MalformedLines",
                table: "chunks");

            migrationBuilder.DropColumn(
                name: "MaxTsMicros",
                table: "chunks");

            migrationBuilder.DropColumn(
                name: "MinTsMicros",
                table: "chunks");
        }
    }
}
