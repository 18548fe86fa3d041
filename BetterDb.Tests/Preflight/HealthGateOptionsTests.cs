using BetterDb.Core.Configuration;
using BetterDb.Core;
using BetterDb.Core.Preflight;
using BetterDb.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BetterDb.Tests.Preflight;

public sealed class HealthGateOptionsTests
{
    private static IOptions<HealthGateOptions> Bind(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var services = new ServiceCollection();
        services.AddOptions<HealthGateOptions>().Bind(config.GetSection(HealthGateOptions.Section));
        services.AddSingleton<IValidateOptions<HealthGateOptions>, HealthGateOptionsValidator>();
        return services.BuildServiceProvider().GetRequiredService<IOptions<HealthGateOptions>>();
    }

    [Fact]
    public void Defaults_are_those_of_API_md()
    {
        var o = Bind().Value;
        Assert.Equal(0.85, o.MemoryPctThreshold);
        Assert.Equal(10_485_760, o.ReplicationLagBytes);
        Assert.Equal(300_000, o.RecentOomWindowMs);
        Assert.Equal(120_000, o.RecentFailoverWindowMs);
    }

    [Fact]
    public void Configured_values_are_bound()
    {
        var o = Bind(("BetterDb:HealthGate:MemoryPctThreshold", "0.5"), ("BetterDb:HealthGate:ReplicationLagBytes", "1000"),
            ("BetterDb:HealthGate:RecentOomWindowMs", "1"), ("BetterDb:HealthGate:RecentFailoverWindowMs", "2")).Value;
        Assert.Equal((0.5, 1000L, 1L, 2L), (o.MemoryPctThreshold, o.ReplicationLagBytes, o.RecentOomWindowMs, o.RecentFailoverWindowMs));
    }

    [Theory]
    [InlineData("MemoryPctThreshold", "85", "BetterDb:HealthGate:MemoryPctThreshold must be a fraction between 0 and 1 (got 85)")]
    [InlineData("MemoryPctThreshold", "0", "BetterDb:HealthGate:MemoryPctThreshold must be a fraction between 0 and 1 (got 0)")]
    [InlineData("MemoryPctThreshold", "NaN", "BetterDb:HealthGate:MemoryPctThreshold must be a fraction between 0 and 1 (got NaN)")]
    [InlineData("ReplicationLagBytes", "0", "BetterDb:HealthGate:ReplicationLagBytes must be a positive number of bytes (got 0)")]
    [InlineData("RecentOomWindowMs", "-5", "BetterDb:HealthGate:RecentOomWindowMs must be a positive number of milliseconds (got -5)")]
    [InlineData("RecentFailoverWindowMs", "0", "BetterDb:HealthGate:RecentFailoverWindowMs must be a positive number of milliseconds (got 0)")]
    public void A_bad_value_is_rejected_naming_the_key(string key, string value, string message)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind(($"BetterDb:HealthGate:{key}", value)).Value);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void One_is_a_valid_fraction()
    {
        Assert.Equal(1.0, Bind(("BetterDb:HealthGate:MemoryPctThreshold", "1")).Value.MemoryPctThreshold);
    }

    [Fact]
    public void The_app_does_not_start_with_a_bad_threshold_and_says_which_key()
    {
        using var app = new TestApp(null, settings: new Dictionary<string, string?> { ["BetterDb:HealthGate:MemoryPctThreshold"] = "85" });
        var ex = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        var all = string.Join(" | ", Flatten(ex).Select(e => e.Message));
        Assert.Contains("BetterDb:HealthGate:MemoryPctThreshold must be a fraction between 0 and 1 (got 85)", all);
    }

    [Fact]
    public void A_value_that_is_not_a_number_stops_the_app_naming_the_key()
    {
        using var app = new TestApp(null, settings: new Dictionary<string, string?> { ["BetterDb:HealthGate:ReplicationLagBytes"] = "ten megabytes" });
        var ex = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("BetterDb:HealthGate:ReplicationLagBytes", string.Join(" | ", Flatten(ex).Select(e => e.Message)));
    }

    [Fact]
    public void The_core_registration_validates_health_gate_options_at_start()
    {
        var services = new ServiceCollection();
        var config = new ConfigurationBuilder().AddInMemoryCollection([new("BetterDb:HealthGate:RecentOomWindowMs", "0")]).Build();
        services.AddBetterDbPreflight(config);
        using var sp = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<HealthGateOptions>>().Value);
        Assert.Contains("BetterDb:HealthGate:RecentOomWindowMs", ex.Message);
        // ValidateOnStart registers the startup validator that the host runs before anything else.
        Assert.Contains(services, d => d.ServiceType.Name == "IStartupValidator");
    }

    private static IEnumerable<Exception> Flatten(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException agg)
                foreach (var inner in agg.InnerExceptions.SelectMany(Flatten)) yield return inner;
        }
    }
}
