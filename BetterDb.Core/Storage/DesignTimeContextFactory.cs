using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace BetterDb.Core.Storage;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the app.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<BetterDbContext>
{
    public BetterDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<BetterDbContext>().UseSqlite("Data Source=design.db").Options);
}
