using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace BetterDb.Core.Storage;

/// <summary>
/// The app's data. One model for every provider; each provider has its own subclass only so that its migrations
/// (SQLite's are this class's, PostgreSQL's <see cref="Postgres.PostgresBetterDbContext"/>'s) are found apart.
/// </summary>
public class BetterDbContext(DbContextOptions<BetterDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<ConnectionEntity> Connections => Set<ConnectionEntity>();
    public DbSet<SessionEntity> Sessions => Set<SessionEntity>();
    public DbSet<ChunkEntity> Chunks => Set<ChunkEntity>();
    public DbSet<AnalysisEntity> Analyses => Set<AnalysisEntity>();
    public DbSet<OutboxEventEntity> Outbox => Set<OutboxEventEntity>();

    // Instance history (History/): see HistoryEntities.cs.
    public DbSet<InfoSampleEntity> InfoSamples => Set<InfoSampleEntity>();
    public DbSet<CommandLogEntryEntity> CommandLogEntries => Set<CommandLogEntryEntity>();
    public DbSet<CommandLogGapEntity> CommandLogGaps => Set<CommandLogGapEntity>();
    public DbSet<ClientSnapshotEntity> ClientSnapshots => Set<ClientSnapshotEntity>();
    public DbSet<AclLogEntryEntity> AclLogEntries => Set<AclLogEntryEntity>();
    public DbSet<SessionSnapshotEntity> SessionSnapshots => Set<SessionSnapshotEntity>();
    public DbSet<SessionShapesEntity> SessionShapes => Set<SessionShapesEntity>();
    public DbSet<ScheduleEntity> Schedules => Set<ScheduleEntity>();
    public DbSet<WebhookEntity> Webhooks => Set<WebhookEntity>();
    public DbSet<WebhookDeliveryEntity> WebhookDeliveries => Set<WebhookDeliveryEntity>();
    public DbSet<AnomalyEntity> Anomalies => Set<AnomalyEntity>();
    public DbSet<TriggerEntity> Triggers => Set<TriggerEntity>();
    public DbSet<UserEntity> Users => Set<UserEntity>();
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();
    public DbSet<ReplayEntity> Replays => Set<ReplayEntity>();

    /// <summary>The Data Protection key ring when the database is shared by several app processes (PostgreSQL); SQLite keeps it in files.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        ToStoredPrecision();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default)
    {
        ToStoredPrecision();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
    }

    /// <summary>
    /// Times to whole microseconds before they are written, in the entity too: PostgreSQL keeps no finer, so an entity
    /// answered right after saving (a created schedule's createdAt) must equal the same row read back later. SQLite
    /// gets the same, so both providers answer alike.
    /// </summary>
    private void ToStoredPrecision()
    {
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified)) continue;
            foreach (var property in entry.Properties)
                if (property.CurrentValue is DateTime time && time.Ticks % 10 != 0)
                    property.CurrentValue = new DateTime(time.Ticks - time.Ticks % 10, time.Kind);
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder b)
    {
        // SQLite keeps no kind: everything we write is UTC, so say so on the way back.
        b.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
    }

    protected override void OnModelCreating(ModelBuilder b)
    {
        b.Entity<ConnectionEntity>(e =>
        {
            e.ToTable("connections");
            e.HasKey(x => x.Id);
            e.Property(x => x.Name).HasMaxLength(200);
            e.Property(x => x.Host).HasMaxLength(500);
        });
        b.Entity<SessionEntity>(e =>
        {
            e.ToTable("sessions");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.StartedAt });
            e.HasIndex(x => x.Status);
            e.HasIndex(x => x.RunningKey).IsUnique();
            e.Property(x => x.OwnerUrl).HasMaxLength(500);
        });
        b.Entity<ChunkEntity>(e =>
        {
            e.ToTable("chunks");
            e.HasKey(x => x.Id);
            e.Property(x => x.NodeId).HasDefaultValue("");
            e.HasIndex(x => new { x.SessionId, x.NodeId, x.ChunkIndex }).IsUnique();
        });
        b.Entity<AnalysisEntity>(e =>
        {
            e.ToTable("analyses");
            e.HasKey(x => x.SessionId);
        });
        b.Entity<OutboxEventEntity>(e =>
        {
            e.ToTable("outbox");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.DispatchedAt);
        });
        OnHistoryModelCreating(b);
        b.Entity<ScheduleEntity>(e =>
        {
            e.ToTable("schedules");
            e.HasKey(x => x.Id);
            e.Property(x => x.CronExpression).HasMaxLength(200);
            e.Property(x => x.TimeZone).HasMaxLength(64);
            e.Property(x => x.CreatedBy).HasMaxLength(200);
            e.HasIndex(x => x.ConnectionId);
        });
        b.Entity<WebhookEntity>(e =>
        {
            e.ToTable("webhooks");
            e.HasKey(x => x.Id);
            e.Property(x => x.Url).HasMaxLength(2048);
        });
        b.Entity<WebhookDeliveryEntity>(e =>
        {
            e.ToTable("webhook_deliveries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.WebhookId, x.OutboxEventId }).IsUnique();
            e.HasIndex(x => new { x.WebhookId, x.CreatedAt });
        });
        b.Entity<AnomalyEntity>(e =>
        {
            e.ToTable("anomalies");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.DetectedAt });
            e.HasIndex(x => x.DetectedAt);
        });
        b.Entity<TriggerEntity>(e =>
        {
            e.ToTable("triggers");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.ActiveKey).IsUnique();
            e.HasIndex(x => new { x.ConnectionId, x.Status });
        });
        b.Entity<UserEntity>(e =>
        {
            e.ToTable("users");
            e.HasKey(x => x.Id);
            e.Property(x => x.UserName).HasMaxLength(100);
            e.HasIndex(x => x.UserName).IsUnique();
        });
        b.Entity<ApiTokenEntity>(e =>
        {
            e.ToTable("api_tokens");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.TokenHash).IsUnique();
        });
        b.Entity<ReplayEntity>(e =>
        {
            e.ToTable("replays");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.SessionId, x.CreatedAt });
            e.HasIndex(x => x.Status);
        });
        b.Entity<DataProtectionKey>(e => e.ToTable("data_protection_keys"));
    }

    /// <summary>The instance history's tables: each slot, entry or snapshot is unique, so no process stores one twice.</summary>
    private static void OnHistoryModelCreating(ModelBuilder b)
    {
        b.Entity<InfoSampleEntity>(e =>
        {
            e.ToTable("history_info");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.Ts }).IsUnique();
        });
        b.Entity<CommandLogEntryEntity>(e =>
        {
            e.ToTable("history_command_log");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.Log, x.RunId, x.EntryId }).IsUnique();
            e.HasIndex(x => new { x.ConnectionId, x.Log, x.Ts });
        });
        b.Entity<CommandLogGapEntity>(e =>
        {
            e.ToTable("history_command_log_gaps");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.Log, x.RunId, x.BeforeId }).IsUnique();
        });
        b.Entity<ClientSnapshotEntity>(e =>
        {
            e.ToTable("history_clients");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.Ts }).IsUnique();
        });
        b.Entity<AclLogEntryEntity>(e =>
        {
            e.ToTable("history_acl_log");
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.ConnectionId, x.EntryKey }).IsUnique();
            e.HasIndex(x => new { x.ConnectionId, x.UpdatedTs });
        });
        b.Entity<SessionSnapshotEntity>(e =>
        {
            e.ToTable("session_snapshots");
            e.HasKey(x => new { x.SessionId, x.Boundary });
        });
        b.Entity<SessionShapesEntity>(e =>
        {
            e.ToTable("session_shapes");
            e.HasKey(x => x.SessionId);
        });
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
