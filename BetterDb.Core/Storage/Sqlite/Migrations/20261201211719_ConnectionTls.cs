using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ConnectionTls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CaCertificate",
                table: "connections",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ClientCertificate",
                table: "connections",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ProtectedClientKey",
                table: "connections",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "TlsInsecure",
                table: "connections",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CaCertificate",
                table: "connections");

            migrationBuilder.DropColumn(
                name: "ClientCertificate",
                table: "connections");

            migrationBuilder.DropColumn(
                name: "ProtectedClientKey",
                table: "connections");

            migrationBuilder.DropColumn(
                name: "TlsInsecure",
                table: "connections");
        }
    }
}
