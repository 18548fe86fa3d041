using BetterDb.Core.Preflight;

namespace BetterDb.Tests.Preflight;

/// <summary>
/// The AOF/default-user hazard (valkey-io/valkey#3983) against a real redis-server with AOF on, the
/// default user set with <c>ACL SETUSER default ...</c> variants. The app connects as <c>admin</c>, or as
/// <c>ops</c>, who may not read other users' rules.
/// </summary>
[Collection(PreflightServersCollection.Name)]
public sealed class DefaultUserHazardServerTests(PreflightServersFixture fx)
{
    /// <summary>From a stock default user (<c>on nopass +@all ~* &amp;*</c>), applies <paramref name="rules"/>.</summary>
    private async Task SetDefaultUserAsync(params string[] rules)
    {
        await PreflightServersFixture.Expect(fx.AofAdminCliAsync("ACL", "SETUSER", "default", "reset", "on", "nopass", "+@all", "~*", "&*"), "OK");
        if (rules.Length > 0) await PreflightServersFixture.Expect(fx.AofAdminCliAsync(["ACL", "SETUSER", "default", .. rules]), "OK");
    }

    private async Task<PreflightReport> PreflightAsync(string? connectionId = null)
    {
        var report = await fx.Preflight.RunAsync(new PreflightRequest(connectionId ?? fx.AofAdminId));
        Assert.True(report.ConfigChecked);
        return report;
    }

    private static ConfigHazard? AofHazard(PreflightReport r) =>
        r.ConfigHazards.SingleOrDefault(h => h.Code is ConfigHazards.DefaultUserOffWithAof or ConfigHazards.DefaultUserUnverifiedWithAof);

    [Theory]
    [InlineData("")]                                    // stock: on, everything
    [InlineData("off")]                                 // off, but still +@all ~* &*: the workaround itself
    [InlineData("off allkeys allchannels allcommands")]
    [InlineData("off -@all +@all")]
    [InlineData("on -@all")]                            // restricted but on: not the hazard described
    public async Task No_hazard_when_the_default_user_is_on_or_keeps_the_unrestricted_grant(string rules)
    {
        try
        {
            await SetDefaultUserAsync(rules.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var report = await PreflightAsync();
            Assert.Null(AofHazard(report));
            Assert.DoesNotContain(report.Verdict.Reasons, r => r.Code is ConfigHazards.DefaultUserOffWithAof or ConfigHazards.DefaultUserUnverifiedWithAof);
        }
        finally
        {
            await SetDefaultUserAsync();
        }
    }

    [Theory]
    [InlineData("off -@all", "+@all")]
    [InlineData("off -flushall", "+@all")]
    [InlineData("off resetchannels", "&*")]
    [InlineData("off resetkeys %R~*", "~*")]
    [InlineData("off resetkeys ~app:* resetchannels", "~* &*")]
    [InlineData("reset", "+@all ~* &*")]                           // reset: off, nothing granted
    public async Task A_default_user_off_without_the_grant_is_the_hazard_and_its_advice_removes_it(string rules, string missing)
    {
        try
        {
            await SetDefaultUserAsync(rules.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            var report = await PreflightAsync();
            var hazard = AofHazard(report);
            Assert.NotNull(hazard);
            Assert.Equal(ConfigHazards.DefaultUserOffWithAof, hazard.Code);
            Assert.Contains($"lacks {missing}:", hazard.Message);
            Assert.Contains(report.Verdict.Reasons, r => r.Code == ConfigHazards.DefaultUserOffWithAof && r.Level == PreflightVerdictLevel.Risky);
            Assert.NotEqual(PreflightVerdictLevel.Ready, report.Verdict.Level);

            // The advice names exactly the missing grant: running it (the user stays off) clears the hazard.
            var snippet = $"ACL SETUSER default {missing}";
            Assert.Contains(snippet + " leaves it off", hazard.Message);
            await PreflightServersFixture.Expect(fx.AofAdminCliAsync(snippet.Split(' ')), "OK");
            Assert.Contains("off", await fx.AofAdminCliAsync("ACL", "GETUSER", "default"));
            Assert.Null(AofHazard(await PreflightAsync()));
        }
        finally
        {
            await SetDefaultUserAsync();
        }
    }

    [Fact]
    public async Task When_the_default_users_rules_cannot_be_read_it_says_could_not_be_verified()
    {
        try
        {
            await SetDefaultUserAsync("off", "-@all");
            var report = await PreflightAsync(fx.AofOpsId);
            var hazard = AofHazard(report);
            Assert.NotNull(hazard);
            Assert.Equal(ConfigHazards.DefaultUserUnverifiedWithAof, hazard.Code);
            Assert.Contains("could not be verified", hazard.Message);
            Assert.Contains("NOPERM", hazard.Message);
            Assert.Contains(report.Warnings, w => w.Contains("could not be verified") && w.Contains("AOF"));
            Assert.Contains(report.Verdict.Reasons, r => r.Code == ConfigHazards.DefaultUserUnverifiedWithAof);

            // With AOF off there is nothing to verify.
            await PreflightServersFixture.Expect(fx.AofAdminCliAsync("CONFIG", "SET", "appendonly", "no"), "OK");
            try
            {
                Assert.Null(AofHazard(await PreflightAsync(fx.AofOpsId)));
            }
            finally
            {
                await PreflightServersFixture.Expect(fx.AofAdminCliAsync("CONFIG", "SET", "appendonly", "yes"), "OK");
            }
        }
        finally
        {
            await SetDefaultUserAsync();
        }
    }
}
