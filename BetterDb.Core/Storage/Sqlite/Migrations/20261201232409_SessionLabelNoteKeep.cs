using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SessionLabelNoteKeep : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ConnectionName",
                table: "sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Keep",
                table: "sessions",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "Label",
                table: "sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Note",
                table: "sessions",
                type: "TEXT",
                nullable: true);

            // Sessions made before the name was recorded get their connection's present name.
            migrationBuilder.Sql("UPDATE sessions SET ConnectionName = (SELECT c.Name FROM connections c WHERE c.Id = sessions.ConnectionId) WHERE ConnectionName IS NULL;");
            migrationBuilder.Sql("UPDATE sessions SET ConnectionName = 'default' WHERE ConnectionName IS NULL AND ConnectionId = 'default';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ConnectionName",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "Keep",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "Label",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "Note",
                table: "sessions");
        }
    }
}
