using System.Text;
using CouponEvent.Data.Model;
using CouponEvent.ServiceDefaults;
using Microsoft.EntityFrameworkCore;

namespace CouponEvent.Data;

public sealed class CouponDbContext(DbContextOptions<CouponDbContext> options) : DbContext(options)
{
    public DbSet<Event> Events => Set<Event>();
    public DbSet<Coupon> Coupons => Set<Coupon>();
    public DbSet<FailedEvent> FailedEvents => Set<FailedEvent>();
    public DbSet<ReconciliationReport> ReconciliationReports => Set<ReconciliationReport>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Event>(e =>
        {
            // The last line of defence against over-issue: the trigger counts rows, the constraint caps the count.
            e.ToTable("events", t => t.HasCheckConstraint(CouponIssuer.QuantityConstraint, "`issued` BETWEEN 0 AND `quantity`"));
            e.Property(x => x.Id).HasMaxLength(EventIds.MaxLength).IsUnicode(false);
            e.Property(x => x.Name).HasMaxLength(200);
            // Written only by the database's triggers; EF never sends it.
            e.Property(x => x.Issued).HasDefaultValue(0).ValueGeneratedOnAddOrUpdate();
            e.Property(x => x.SettledReason).HasMaxLength(16).IsUnicode(false);
            // The background loops read the live events (settled_at null) and the newly settled ones: both by this index.
            e.HasIndex(x => x.SettledAt);
            e.HasIndex(x => x.CreatedAt);
        });

        model.Entity<Coupon>(e =>
        {
            e.ToTable("coupons");
            e.Property(x => x.EventId).HasMaxLength(EventIds.MaxLength).IsUnicode(false);
            ApplicantColumn(e.Property(x => x.UserId));
            // The one-coupon-per-user guarantee of the database, and what makes redelivery a no-op.
            e.HasIndex(x => new { x.EventId, x.UserId }).IsUnique();
            e.HasOne<Event>().WithMany().HasForeignKey(x => x.EventId).OnDelete(DeleteBehavior.Restrict);
        });

        model.Entity<FailedEvent>(e =>
        {
            e.ToTable("failed_events");
            e.Property(x => x.EventId).HasMaxLength(EventIds.MaxLength).IsUnicode(false);
            ApplicantColumn(e.Property(x => x.UserId));
            e.Property(x => x.Error).HasMaxLength(2000);
            e.Property(x => x.TraceParent).HasMaxLength(55).IsUnicode(false);
            e.HasIndex(x => x.ApplicationId).IsUnique();
            // The RetryJob's claim query scans due pending rows in this order.
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => new { x.EventId, x.UserId });
        });

        model.Entity<ReconciliationReport>(e =>
        {
            e.ToTable("reconciliation_reports");
            e.HasKey(x => x.EventId);
            e.Property(x => x.EventId).HasMaxLength(EventIds.MaxLength).IsUnicode(false);
            e.Property(x => x.Status).HasMaxLength(32).IsUnicode(false);
            e.Property(x => x.RecoveryCause).HasMaxLength(32).IsUnicode(false);
        });

        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    /// <summary>
    /// An applicant is a token's subject: opaque, case-sensitive ASCII (<see cref="IdentityContract.IsValidSubject"/>).
    /// A binary collation keeps "Ann" and "ann" two applicants; MySQL's default would make them one.
    /// </summary>
    private static void ApplicantColumn(Microsoft.EntityFrameworkCore.Metadata.Builders.PropertyBuilder<string> property) =>
        property.HasMaxLength(IdentityContract.MaxSubjectLength).HasCharSet("ascii").UseCollation("ascii_bin");

    private static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
