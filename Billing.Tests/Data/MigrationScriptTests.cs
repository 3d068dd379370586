using Billing.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Billing.Tests.Data;

/// <summary>The deploy-time migration artifact (scripts/build-migrations.sh): an idempotent script that can run again and again.</summary>
public sealed class MigrationScriptTests(EnvironmentFixture fixture) : IClassFixture<EnvironmentFixture>
{
    private readonly TestEnvironment _env = fixture.Env;

    private const string SchemaQuery = """
        SELECT string_agg(table_name || '.' || column_name || ':' || data_type || ':' || is_nullable, ',' ORDER BY table_name, column_name)
          FROM information_schema.columns WHERE table_schema = 'public'
        """;

    [Fact]
    public async Task Idempotent_script_applied_twice_builds_the_same_schema_as_migrate()
    {
        var database = await _env.CreateEmptyDatabaseAsync();
        await using var db = new BillingDbContext(new DbContextOptionsBuilder<BillingDbContext>()
            .UseNpgsql(database).UseSnakeCaseNamingConvention().Options);
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);

        await db.Database.ExecuteSqlRawAsync(script);
        await db.Database.ExecuteSqlRawAsync(script);

        var migrated = await Db.ScalarAsync<string>(_env.SharedDatabase, SchemaQuery);
        var scripted = await Db.ScalarAsync<string>(database, SchemaQuery);
        Assert.Equal(migrated, scripted);
        Assert.Contains("usage_records.api_calls_count", scripted);
    }
}
