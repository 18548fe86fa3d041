using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class OwnershipOutboxNodeChunks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_chunks_SessionId_ChunkIndex",
                table: "chunks");

            migrationBuilder.AddColumn<DateTime>(
                name: "HeartbeatAt",
                table: "sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OwnerInstance",
                table: "sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RunningKey",
                table: "sessions",
                type: "TEXT",
                nullable: true);

            // Chunks of one server were stored with no node: their node is now "".
            migrationBuilder.Sql("UPDATE chunks SET NodeId = '' WHERE NodeId IS NULL;");

            migrationBuilder.AlterColumn<string>(
                name: "NodeId",
                table: "chunks",
                type: "TEXT",
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldNullable: true);

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    SessionId = table.Column<string>(type: "TEXT", nullable: true),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: true),
                    OccurredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    DispatchedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LastError = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_sessions_RunningKey",
                table: "sessions",
                column: "RunningKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chunks_SessionId_NodeId_ChunkIndex",
                table: "chunks",
                columns: new[] { "SessionId", "NodeId", "ChunkIndex" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_outbox_DispatchedAt",
                table: "outbox",
                column: "DispatchedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropIndex(
                name: "IX_sessions_RunningKey",
                table: "sessions");

            migrationBuilder.DropIndex(
                name: "IX_chunks_SessionId_NodeId_ChunkIndex",
                table: "chunks");

            migrationBuilder.DropColumn(
                name: "HeartbeatAt",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "OwnerInstance",
                table: "sessions");

            migrationBuilder.DropColumn(
                name: "RunningKey",
                table: "sessions");

            migrationBuilder.AlterColumn<string>(
                name: "NodeId",
                table: "chunks",
                type: "TEXT",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldDefaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_chunks_SessionId_ChunkIndex",
                table: "chunks",
                columns: new[] { "SessionId", "ChunkIndex" },
                unique: true);
        }
    }
}
