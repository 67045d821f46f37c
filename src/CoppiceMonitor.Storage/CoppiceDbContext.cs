using CoppiceMonitor.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace CoppiceMonitor.Storage;

/// <summary>
/// EF Core view of the CoppiceMonitor schema (snake_case). The hand-written migrations in Migrations/ own the
/// schema; bulk paths (ingest, purge) go through Npgsql directly, EF serves the small CRUD and queries.
/// </summary>
public sealed class CoppiceDbContext(DbContextOptions<CoppiceDbContext> options) : DbContext(options)
{
    public DbSet<SchoolRow> Schools => Set<SchoolRow>();
    public DbSet<StaffRow> Staff => Set<StaffRow>();
    public DbSet<DeviceRow> Devices => Set<DeviceRow>();
    public DbSet<DhcpLeaseRow> DhcpLeases => Set<DhcpLeaseRow>();
    public DbSet<ObservationRow> Observations => Set<ObservationRow>();
    public DbSet<VisitRow> Visits => Set<VisitRow>();
    public DbSet<HeldVisitRow> HeldVisits => Set<HeldVisitRow>();
    public DbSet<HeldObservationRow> HeldObservations => Set<HeldObservationRow>();
    public DbSet<AnonymousUsageRow> AnonymousUsage => Set<AnonymousUsageRow>();
    public DbSet<InvestigationRow> Investigations => Set<InvestigationRow>();
    public DbSet<AuditEventRow> AuditEvents => Set<AuditEventRow>();
    public DbSet<ReportRunRow> ReportRuns => Set<ReportRunRow>();
    public DbSet<IngestBatchRow> IngestBatches => Set<IngestBatchRow>();

    /// <summary>Options for a context on <paramref name="connectionString"/> with the project's conventions.</summary>
    public static DbContextOptions<CoppiceDbContext> CreateOptions(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<CoppiceDbContext>();
        Configure(builder, connectionString);
        return builder.Options;
    }

    public static CoppiceDbContext Create(string connectionString) => new(CreateOptions(connectionString));

    /// <summary>Applies Npgsql, snake_case and the migration settings to an options builder (also used by DI).</summary>
    public static void Configure(DbContextOptionsBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(typeof(CoppiceDbContext).Assembly.GetName().Name))
            .UseSnakeCaseNamingConvention()
            // The migrations are hand-written SQL without a model snapshot, so EF always sees "pending model
            // changes"; the schema is checked by the tests instead.
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<SchoolRow>(e =>
        {
            e.ToTable("schools");
            e.HasKey(x => x.SchoolId);
        });
        modelBuilder.Entity<StaffRow>(e =>
        {
            e.ToTable("staff");
            e.HasKey(x => new { x.SchoolId, x.StaffId });
        });
        modelBuilder.Entity<DeviceRow>(e =>
        {
            e.ToTable("devices");
            e.HasKey(x => new { x.SchoolId, x.DeviceId });
            e.Property(x => x.Mac).HasColumnType("macaddr");
            e.Property(x => x.StaticIp).HasColumnType("inet");
        });
        modelBuilder.Entity<DhcpLeaseRow>(e =>
        {
            e.ToTable("dhcp_leases");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<ObservationRow>(e =>
        {
            e.ToTable("observations");
            e.HasNoKey();
            e.Property(x => x.Detail).HasColumnType("jsonb");
        });
        modelBuilder.Entity<VisitRow>(e =>
        {
            e.ToTable("visits");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<HeldVisitRow>(e =>
        {
            e.ToTable("held_visits");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<HeldObservationRow>(e =>
        {
            e.ToTable("held_observations");
            e.HasKey(x => x.Id);
            e.Property(x => x.Detail).HasColumnType("jsonb");
        });
        modelBuilder.Entity<AnonymousUsageRow>(e =>
        {
            e.ToTable("anonymous_usage");
            e.HasKey(x => new { x.SchoolId, x.LocalDate, x.Service, x.Category, x.Kind });
        });
        modelBuilder.Entity<InvestigationRow>(e =>
        {
            e.ToTable("investigations");
            e.HasKey(x => x.Id);
        });
        modelBuilder.Entity<AuditEventRow>(e =>
        {
            e.ToTable("audit_events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Details).HasColumnType("jsonb");
        });
        modelBuilder.Entity<ReportRunRow>(e =>
        {
            e.ToTable("report_runs");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.RunKey).IsUnique();
        });
        modelBuilder.Entity<IngestBatchRow>(e =>
        {
            e.ToTable("ingest_batches");
            e.HasKey(x => x.BatchId);
        });
    }
}
