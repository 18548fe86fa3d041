using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BetterDb.Core.Storage.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class InstanceHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "history_acl_log",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: false),
                    EntryKey = table.Column<string>(type: "TEXT", nullable: false),
                    EntryId = table.Column<long>(type: "INTEGER", nullable: true),
                    Count = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    Context = table.Column<string>(type: "TEXT", nullable: false),
                    Object = table.Column<string>(type: "TEXT", nullable: false),
                    Username = table.Column<string>(type: "TEXT", nullable: false),
                    ClientInfo = table.Column<string>(type: "TEXT", nullable: true),
                    ClientAddr = table.Column<string>(type: "TEXT", nullable: true),
                    ClientName = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedTs = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedTs = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstSeenTs = table.Column<long>(type: "INTEGER", nullable: false),
                    LastSeenTs = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_acl_log", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_clients",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: false),
                    Ts = table.Column<long>(type: "INTEGER", nullable: false),
                    OffsetMs = table.Column<int>(type: "INTEGER", nullable: false),
                    ClientCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Commands = table.Column<string>(type: "TEXT", nullable: false),
                    KeyframeId = table.Column<long>(type: "INTEGER", nullable: true),
                    Codec = table.Column<byte>(type: "INTEGER", nullable: false),
                    RawBytes = table.Column<int>(type: "INTEGER", nullable: false),
                    Data = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_clients", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_command_log",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: false),
                    Log = table.Column<string>(type: "TEXT", nullable: false),
                    RunId = table.Column<string>(type: "TEXT", nullable: false),
                    EntryId = table.Column<long>(type: "INTEGER", nullable: false),
                    Ts = table.Column<long>(type: "INTEGER", nullable: false),
                    Value = table.Column<long>(type: "INTEGER", nullable: false),
                    Command = table.Column<string>(type: "TEXT", nullable: false),
                    Arity = table.Column<int>(type: "INTEGER", nullable: false),
                    Args = table.Column<string>(type: "TEXT", nullable: false),
                    ClientAddr = table.Column<string>(type: "TEXT", nullable: true),
                    ClientName = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_command_log", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_command_log_gaps",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: false),
                    Log = table.Column<string>(type: "TEXT", nullable: false),
                    RunId = table.Column<string>(type: "TEXT", nullable: false),
                    AfterId = table.Column<long>(type: "INTEGER", nullable: false),
                    BeforeId = table.Column<long>(type: "INTEGER", nullable: false),
                    Missed = table.Column<long>(type: "INTEGER", nullable: false),
                    DetectedTs = table.Column<long>(type: "INTEGER", nullable: false),
                    AfterTs = table.Column<long>(type: "INTEGER", nullable: false),
                    BeforeTs = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_command_log_gaps", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_info",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: false),
                    Ts = table.Column<long>(type: "INTEGER", nullable: false),
                    OffsetMs = table.Column<int>(type: "INTEGER", nullable: false),
                    RunId = table.Column<string>(type: "TEXT", nullable: true),
                    UptimeSeconds = table.Column<long>(type: "INTEGER", nullable: true),
                    OpsPerSec = table.Column<double>(type: "REAL", nullable: true),
                    TotalCommands = table.Column<long>(type: "INTEGER", nullable: true),
                    UsedMemory = table.Column<long>(type: "INTEGER", nullable: true),
                    PeakMemory = table.Column<long>(type: "INTEGER", nullable: true),
                    MaxMemory = table.Column<long>(type: "INTEGER", nullable: true),
                    ConnectedClients = table.Column<long>(type: "INTEGER", nullable: true),
                    BlockedClients = table.Column<long>(type: "INTEGER", nullable: true),
                    KeyspaceHits = table.Column<long>(type: "INTEGER", nullable: true),
                    KeyspaceMisses = table.Column<long>(type: "INTEGER", nullable: true),
                    EvictedKeys = table.Column<long>(type: "INTEGER", nullable: true),
                    ExpiredKeys = table.Column<long>(type: "INTEGER", nullable: true),
                    AclDeniedAuth = table.Column<long>(type: "INTEGER", nullable: true),
                    AclDeniedCmd = table.Column<long>(type: "INTEGER", nullable: true),
                    AclDeniedKey = table.Column<long>(type: "INTEGER", nullable: true),
                    AclDeniedChannel = table.Column<long>(type: "INTEGER", nullable: true),
                    WrongPassErrors = table.Column<long>(type: "INTEGER", nullable: true),
                    RejectedConnections = table.Column<long>(type: "INTEGER", nullable: true),
                    NetInputBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    NetOutputBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    Role = table.Column<string>(type: "TEXT", nullable: true),
                    ReplOffset = table.Column<long>(type: "INTEGER", nullable: true),
                    ReplLagBytes = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowlogLastId = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_info", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "session_shapes",
                columns: table => new
                {
                    SessionId = table.Column<string>(type: "TEXT", nullable: false),
                    ComputedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_session_shapes", x => x.SessionId);
                });

            migrationBuilder.CreateTable(
                name: "session_snapshots",
                columns: table => new
                {
                    SessionId = table.Column<string>(type: "TEXT", nullable: false),
                    Boundary = table.Column<string>(type: "TEXT", nullable: false),
                    ConnectionId = table.Column<string>(type: "TEXT", nullable: true),
                    TakenAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    OffsetMs = table.Column<double>(type: "REAL", nullable: false),
                    ServerTimeUs = table.Column<long>(type: "INTEGER", nullable: true),
                    RunId = table.Column<string>(type: "TEXT", nullable: true),
                    Info = table.Column<string>(type: "TEXT", nullable: true),
                    CommandStats = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_session_snapshots", x => new { x.SessionId, x.Boundary });
                });

            migrationBuilder.CreateIndex(
                name: "IX_history_acl_log_ConnectionId_EntryKey",
                table: "history_acl_log",
                columns: new[] { "ConnectionId", "EntryKey" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_history_acl_log_ConnectionId_UpdatedTs",
                table: "history_acl_log",
                columns: new[] { "ConnectionId", "UpdatedTs" });

            migrationBuilder.CreateIndex(
                name: "IX_history_clients_ConnectionId_Ts",
                table: "history_clients",
                columns: new[] { "ConnectionId", "Ts" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_history_command_log_ConnectionId_Log_RunId_EntryId",
                table: "history_command_log",
                columns: new[] { "ConnectionId", "Log", "RunId", "EntryId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_history_command_log_ConnectionId_Log_Ts",
                table: "history_command_log",
                columns: new[] { "ConnectionId", "Log", "Ts" });

            migrationBuilder.CreateIndex(
                name: "IX_history_command_log_gaps_ConnectionId_Log_RunId_BeforeId",
                table: "history_command_log_gaps",
                columns: new[] { "ConnectionId", "Log", "RunId", "BeforeId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_history_info_ConnectionId_Ts",
                table: "history_info",
                columns: new[] { "ConnectionId", "Ts" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "history_acl_log");

            migrationBuilder.DropTable(
                name: "history_clients");

            migrationBuilder.DropTable(
                name: "history_command_log");

            migrationBuilder.DropTable(
                name: "history_command_log_gaps");

            migrationBuilder.DropTable(
                name: "history_info");

            migrationBuilder.DropTable(
                name: "session_shapes");

            migrationBuilder.DropTable(
                name: "session_snapshots");
        }
    }
}
