using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Schedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "schedules",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: false),
                    IntervalSeconds = table.Column<int>(type: "INTEGER", nullable: true),
                    CronExpression = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    DurationMs = table.Column<long>(type: "INTEGER", nullable: false),
                    ByteCap = table.Column<long>(type: "INTEGER", nullable: true),
                    LineCap = table.Column<long>(type: "INTEGER", nullable: true),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AnchorAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastFiredAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastSessionId = table.Column<string>(type: "TEXT", nullable: true),
                    LastSkippedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastSkipReason = table.Column<string>(type: "TEXT", nullable: true),
                    LastTickJobId = table.Column<string>(type: "TEXT", nullable: true),
                    PendingDueAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    PendingJobId = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_schedules", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_schedules_ConnectionId",
                table: "schedules",
                column: "ConnectionId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "schedules");
        }
    }
}
