using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace CouponEvent.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a server.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<CouponDbContext>
{
    public CouponDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<CouponDbContext>()
            .UseMySql("Server=localhost;Database=coupondb", ServerVersion.Parse(DatabaseExtensions.DefaultServerVersion))
            .Options);
}
