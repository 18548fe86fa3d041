using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class FanOutNodeSegments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "NodeSegmentsJson",
                table: "sessions",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "NodeSegmentsJson",
                table: "sessions");
        }
    }
}
