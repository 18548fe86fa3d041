using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace BetterDb.Core.Storage;

public sealed class BetterDbContext(DbContextOptions<BetterDbContext> options) : DbContext(options)
{
    public DbSet<ConnectionEntity> Connections => Set<ConnectionEntity>();
    public DbSet<SessionEntity> Sessions => Set<SessionEntity>();
    public DbSet<ChunkEntity> Chunks => Set<ChunkEntity>();
    public DbSet<AnalysisEntity> Analyses => Set<AnalysisEntity>();
    public DbSet<OutboxEventEntity> Outbox => Set<OutboxEventEntity>();

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
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}
