using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace BetterDb.Core.Storage.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class InitialPostgres : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "analyses",
                columns: table => new
                {
                    SessionId = table.Column<string>(type: "text", nullable: false),
                    ComputedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_analyses", x => x.SessionId);
                });

            migrationBuilder.CreateTable(
                name: "anomalies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Metric = table.Column<string>(type: "text", nullable: false),
                    AnomalyType = table.Column<string>(type: "text", nullable: false),
                    Severity = table.Column<string>(type: "text", nullable: false),
                    Value = table.Column<double>(type: "double precision", nullable: true),
                    Mean = table.Column<double>(type: "double precision", nullable: true),
                    StdDev = table.Column<double>(type: "double precision", nullable: true),
                    ZScore = table.Column<double>(type: "double precision", nullable: true),
                    DetectedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    PatternId = table.Column<string>(type: "text", nullable: true),
                    Diagnosis = table.Column<string>(type: "text", nullable: true),
                    Detail = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_anomalies", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "api_tokens",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "text", nullable: false),
                    TokenHash = table.Column<string>(type: "text", nullable: false),
                    Prefix = table.Column<string>(type: "text", nullable: false),
                    CreatedBy = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastUsedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_tokens", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "chunks",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    SessionId = table.Column<string>(type: "text", nullable: false),
                    ChunkIndex = table.Column<int>(type: "integer", nullable: false),
                    NodeId = table.Column<string>(type: "text", nullable: false, defaultValue: ""),
                    FirstLine = table.Column<long>(type: "bigint", nullable: false),
                    LineCount = table.Column<int>(type: "integer", nullable: false),
                    ByteCount = table.Column<int>(type: "integer", nullable: false),
                    FirstTsMicros = table.Column<long>(type: "bigint", nullable: false),
                    LastTsMicros = table.Column<long>(type: "bigint", nullable: false),
                    MinTsMicros = table.Column<long>(type: "bigint", nullable: true),
                    MaxTsMicros = table.Column<long>(type: "bigint", nullable: true),
                    MalformedLines = table.Column<int>(type: "integer", nullable: true),
                    Codec = table.Column<byte>(type: "smallint", nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_chunks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "connections",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Host = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    Port = table.Column<int>(type: "integer", nullable: false),
                    Username = table.Column<string>(type: "text", nullable: true),
                    ProtectedPassword = table.Column<string>(type: "text", nullable: true),
                    Tls = table.Column<bool>(type: "boolean", nullable: false),
                    CaCertificate = table.Column<string>(type: "text", nullable: true),
                    TlsInsecure = table.Column<bool>(type: "boolean", nullable: false),
                    ClientCertificate = table.Column<string>(type: "text", nullable: true),
                    ProtectedClientKey = table.Column<string>(type: "text", nullable: true),
                    Db = table.Column<int>(type: "integer", nullable: false),
                    RedactValues = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_connections", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    FriendlyName = table.Column<string>(type: "text", nullable: true),
                    Xml = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_protection_keys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_acl_log",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    EntryKey = table.Column<string>(type: "text", nullable: false),
                    EntryId = table.Column<long>(type: "bigint", nullable: true),
                    Count = table.Column<long>(type: "bigint", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    Context = table.Column<string>(type: "text", nullable: false),
                    Object = table.Column<string>(type: "text", nullable: false),
                    Username = table.Column<string>(type: "text", nullable: false),
                    ClientInfo = table.Column<string>(type: "text", nullable: true),
                    ClientAddr = table.Column<string>(type: "text", nullable: true),
                    ClientName = table.Column<string>(type: "text", nullable: true),
                    CreatedTs = table.Column<long>(type: "bigint", nullable: false),
                    UpdatedTs = table.Column<long>(type: "bigint", nullable: false),
                    FirstSeenTs = table.Column<long>(type: "bigint", nullable: false),
                    LastSeenTs = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_acl_log", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_clients",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Ts = table.Column<long>(type: "bigint", nullable: false),
                    OffsetMs = table.Column<int>(type: "integer", nullable: false),
                    ClientCount = table.Column<int>(type: "integer", nullable: false),
                    Commands = table.Column<string>(type: "text", nullable: false),
                    KeyframeId = table.Column<long>(type: "bigint", nullable: true),
                    Codec = table.Column<byte>(type: "smallint", nullable: false),
                    RawBytes = table.Column<int>(type: "integer", nullable: false),
                    Data = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_clients", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_command_log",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Log = table.Column<string>(type: "text", nullable: false),
                    RunId = table.Column<string>(type: "text", nullable: false),
                    EntryId = table.Column<long>(type: "bigint", nullable: false),
                    Ts = table.Column<long>(type: "bigint", nullable: false),
                    Value = table.Column<long>(type: "bigint", nullable: false),
                    Command = table.Column<string>(type: "text", nullable: false),
                    Arity = table.Column<int>(type: "integer", nullable: false),
                    Args = table.Column<string>(type: "text", nullable: false),
                    ClientAddr = table.Column<string>(type: "text", nullable: true),
                    ClientName = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_command_log", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_command_log_gaps",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Log = table.Column<string>(type: "text", nullable: false),
                    RunId = table.Column<string>(type: "text", nullable: false),
                    AfterId = table.Column<long>(type: "bigint", nullable: false),
                    BeforeId = table.Column<long>(type: "bigint", nullable: false),
                    Missed = table.Column<long>(type: "bigint", nullable: false),
                    DetectedTs = table.Column<long>(type: "bigint", nullable: false),
                    AfterTs = table.Column<long>(type: "bigint", nullable: false),
                    BeforeTs = table.Column<long>(type: "bigint", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_command_log_gaps", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "history_info",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Ts = table.Column<long>(type: "bigint", nullable: false),
                    OffsetMs = table.Column<int>(type: "integer", nullable: false),
                    RunId = table.Column<string>(type: "text", nullable: true),
                    UptimeSeconds = table.Column<long>(type: "bigint", nullable: true),
                    OpsPerSec = table.Column<double>(type: "double precision", nullable: true),
                    TotalCommands = table.Column<long>(type: "bigint", nullable: true),
                    UsedMemory = table.Column<long>(type: "bigint", nullable: true),
                    PeakMemory = table.Column<long>(type: "bigint", nullable: true),
                    MaxMemory = table.Column<long>(type: "bigint", nullable: true),
                    ConnectedClients = table.Column<long>(type: "bigint", nullable: true),
                    BlockedClients = table.Column<long>(type: "bigint", nullable: true),
                    KeyspaceHits = table.Column<long>(type: "bigint", nullable: true),
                    KeyspaceMisses = table.Column<long>(type: "bigint", nullable: true),
                    EvictedKeys = table.Column<long>(type: "bigint", nullable: true),
                    ExpiredKeys = table.Column<long>(type: "bigint", nullable: true),
                    AclDeniedAuth = table.Column<long>(type: "bigint", nullable: true),
                    AclDeniedCmd = table.Column<long>(type: "bigint", nullable: true),
                    AclDeniedKey = table.Column<long>(type: "bigint", nullable: true),
                    AclDeniedChannel = table.Column<long>(type: "bigint", nullable: true),
                    WrongPassErrors = table.Column<long>(type: "bigint", nullable: true),
                    RejectedConnections = table.Column<long>(type: "bigint", nullable: true),
                    NetInputBytes = table.Column<long>(type: "bigint", nullable: true),
                    NetOutputBytes = table.Column<long>(type: "bigint", nullable: true),
                    Role = table.Column<string>(type: "text", nullable: true),
                    ReplOffset = table.Column<long>(type: "bigint", nullable: true),
                    ReplLagBytes = table.Column<long>(type: "bigint", nullable: true),
                    SlowlogLastId = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_history_info", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Type = table.Column<string>(type: "text", nullable: false),
                    SessionId = table.Column<string>(type: "text", nullable: true),
                    ConnectionId = table.Column<string>(type: "text", nullable: true),
                    OccurredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Payload = table.Column<string>(type: "text", nullable: false),
                    DispatchedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LastError = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_outbox", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "replays",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    SessionId = table.Column<string>(type: "text", nullable: false),
                    TargetConnectionId = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Pace = table.Column<string>(type: "text", nullable: false),
                    Connections = table.Column<string>(type: "text", nullable: false),
                    DryRun = table.Column<bool>(type: "boolean", nullable: false),
                    AllowSourceConnection = table.Column<bool>(type: "boolean", nullable: false),
                    Denylist = table.Column<string>(type: "text", nullable: false),
                    MaxBlockMs = table.Column<int>(type: "integer", nullable: false),
                    Filter = table.Column<string>(type: "text", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LinesRead = table.Column<long>(type: "bigint", nullable: false),
                    LinesTotal = table.Column<long>(type: "bigint", nullable: false),
                    Sent = table.Column<long>(type: "bigint", nullable: false),
                    Skipped = table.Column<long>(type: "bigint", nullable: false),
                    Errors = table.Column<long>(type: "bigint", nullable: false),
                    Error = table.Column<string>(type: "text", nullable: true),
                    CancelRequested = table.Column<bool>(type: "boolean", nullable: false),
                    HeartbeatAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    JobId = table.Column<string>(type: "text", nullable: true),
                    ReportJson = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_replays", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "schedules",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    IntervalSeconds = table.Column<int>(type: "integer", nullable: true),
                    CronExpression = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    TimeZone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    DurationMs = table.Column<long>(type: "bigint", nullable: false),
                    ByteCap = table.Column<long>(type: "bigint", nullable: true),
                    LineCap = table.Column<long>(type: "bigint", nullable: true),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AnchorAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastFiredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastSessionId = table.Column<string>(type: "text", nullable: true),
                    LastSkippedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastSkipReason = table.Column<string>(type: "text", nullable: true),
                    LastTickJobId = table.Column<string>(type: "text", nullable: true),
                    PendingDueAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PendingJobId = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_schedules", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "session_shapes",
                columns: table => new
                {
                    SessionId = table.Column<string>(type: "text", nullable: false),
                    ComputedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Json = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_session_shapes", x => x.SessionId);
                });

            migrationBuilder.CreateTable(
                name: "session_snapshots",
                columns: table => new
                {
                    SessionId = table.Column<string>(type: "text", nullable: false),
                    Boundary = table.Column<string>(type: "text", nullable: false),
                    ConnectionId = table.Column<string>(type: "text", nullable: true),
                    TakenAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    OffsetMs = table.Column<double>(type: "double precision", nullable: false),
                    ServerTimeUs = table.Column<long>(type: "bigint", nullable: true),
                    RunId = table.Column<string>(type: "text", nullable: true),
                    Info = table.Column<string>(type: "text", nullable: true),
                    CommandStats = table.Column<string>(type: "text", nullable: true),
                    Error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_session_snapshots", x => new { x.SessionId, x.Boundary });
                });

            migrationBuilder.CreateTable(
                name: "sessions",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ConnectionId = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Source = table.Column<string>(type: "text", nullable: false),
                    RequestedBy = table.Column<string>(type: "text", nullable: true),
                    TriggerId = table.Column<string>(type: "text", nullable: true),
                    ScheduleId = table.Column<string>(type: "text", nullable: true),
                    StartedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    DurationMs = table.Column<long>(type: "bigint", nullable: false),
                    ByteCap = table.Column<long>(type: "bigint", nullable: false),
                    LineCap = table.Column<long>(type: "bigint", nullable: false),
                    ByteCount = table.Column<long>(type: "bigint", nullable: false),
                    LineCount = table.Column<long>(type: "bigint", nullable: false),
                    MalformedCount = table.Column<long>(type: "bigint", nullable: false),
                    TerminationReason = table.Column<string>(type: "text", nullable: true),
                    TargetNode = table.Column<string>(type: "text", nullable: true),
                    NodeSegmentsJson = table.Column<string>(type: "text", nullable: true),
                    OwnLinesDropped = table.Column<long>(type: "bigint", nullable: false),
                    TruncatedLines = table.Column<long>(type: "bigint", nullable: false),
                    ConnectionName = table.Column<string>(type: "text", nullable: true),
                    Label = table.Column<string>(type: "text", nullable: true),
                    Note = table.Column<string>(type: "text", nullable: true),
                    Keep = table.Column<bool>(type: "boolean", nullable: false),
                    Redacted = table.Column<bool>(type: "boolean", nullable: false),
                    RunningKey = table.Column<string>(type: "text", nullable: true),
                    OwnerInstance = table.Column<string>(type: "text", nullable: true),
                    HeartbeatAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    OwnerUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    StopRequestedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    ImportedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastLineUnterminated = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sessions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "triggers",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    ConnectionId = table.Column<string>(type: "text", nullable: false),
                    Metric = table.Column<string>(type: "text", nullable: false),
                    AnomalyType = table.Column<string>(type: "text", nullable: false),
                    DurationMs = table.Column<long>(type: "bigint", nullable: false),
                    ByteCap = table.Column<long>(type: "bigint", nullable: true),
                    LineCap = table.Column<long>(type: "bigint", nullable: true),
                    CreatedBy = table.Column<string>(type: "text", nullable: true),
                    Status = table.Column<string>(type: "text", nullable: false),
                    ActiveKey = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    AnomalyId = table.Column<string>(type: "text", nullable: true),
                    DetectedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    FireJobId = table.Column<string>(type: "text", nullable: true),
                    Queued = table.Column<bool>(type: "boolean", nullable: false),
                    FiredAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    SessionId = table.Column<string>(type: "text", nullable: true),
                    SkipReason = table.Column<string>(type: "text", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_triggers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    UserName = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    PasswordHash = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastSignInAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "webhook_deliveries",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    WebhookId = table.Column<string>(type: "text", nullable: false),
                    OutboxEventId = table.Column<long>(type: "bigint", nullable: true),
                    EventType = table.Column<string>(type: "text", nullable: false),
                    Body = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LastStatusCode = table.Column<int>(type: "integer", nullable: true),
                    LastLatencyMs = table.Column<long>(type: "bigint", nullable: true),
                    LastError = table.Column<string>(type: "text", nullable: true),
                    ResponseExcerpt = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastAttemptAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    NextAttemptAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    JobId = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_webhook_deliveries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "webhooks",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    ProtectedSecret = table.Column<string>(type: "text", nullable: true),
                    Events = table.Column<string>(type: "text", nullable: false),
                    ConnectionId = table.Column<string>(type: "text", nullable: true),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    DisabledReason = table.Column<string>(type: "text", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_webhooks", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_anomalies_ConnectionId_DetectedAt",
                table: "anomalies",
                columns: new[] { "ConnectionId", "DetectedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_anomalies_DetectedAt",
                table: "anomalies",
                column: "DetectedAt");

            migrationBuilder.CreateIndex(
                name: "IX_api_tokens_TokenHash",
                table: "api_tokens",
                column: "TokenHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_chunks_SessionId_NodeId_ChunkIndex",
                table: "chunks",
                columns: new[] { "SessionId", "NodeId", "ChunkIndex" },
                unique: true);

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

            migrationBuilder.CreateIndex(
                name: "IX_outbox_DispatchedAt",
                table: "outbox",
                column: "DispatchedAt");

            migrationBuilder.CreateIndex(
                name: "IX_replays_SessionId_CreatedAt",
                table: "replays",
                columns: new[] { "SessionId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_replays_Status",
                table: "replays",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_schedules_ConnectionId",
                table: "schedules",
                column: "ConnectionId");

            migrationBuilder.CreateIndex(
                name: "IX_sessions_ConnectionId_StartedAt",
                table: "sessions",
                columns: new[] { "ConnectionId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_sessions_RunningKey",
                table: "sessions",
                column: "RunningKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_sessions_Status",
                table: "sessions",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_triggers_ActiveKey",
                table: "triggers",
                column: "ActiveKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_triggers_ConnectionId_Status",
                table: "triggers",
                columns: new[] { "ConnectionId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_users_UserName",
                table: "users",
                column: "UserName",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_webhook_deliveries_WebhookId_CreatedAt",
                table: "webhook_deliveries",
                columns: new[] { "WebhookId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_webhook_deliveries_WebhookId_OutboxEventId",
                table: "webhook_deliveries",
                columns: new[] { "WebhookId", "OutboxEventId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "analyses");

            migrationBuilder.DropTable(
                name: "anomalies");

            migrationBuilder.DropTable(
                name: "api_tokens");

            migrationBuilder.DropTable(
                name: "chunks");

            migrationBuilder.DropTable(
                name: "connections");

            migrationBuilder.DropTable(
                name: "data_protection_keys");

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
                name: "outbox");

            migrationBuilder.DropTable(
                name: "replays");

            migrationBuilder.DropTable(
                name: "schedules");

            migrationBuilder.DropTable(
                name: "session_shapes");

            migrationBuilder.DropTable(
                name: "session_snapshots");

            migrationBuilder.DropTable(
                name: "sessions");

            migrationBuilder.DropTable(
                name: "triggers");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "webhook_deliveries");

            migrationBuilder.DropTable(
                name: "webhooks");
        }
    }
}
