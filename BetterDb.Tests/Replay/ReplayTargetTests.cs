using BetterDb.Core.Connections;
using BetterDb.Core.Replay;
using BetterDb.Testing;
using BetterDb.Tests.Query;
using Microsoft.Extensions.DependencyInjection;

namespace BetterDb.Tests.Replay;

/// <summary>
/// The engine against targets that ask more of a connection: TLS with a client certificate (the TLS collection's
/// <c>tls-auth-clients yes</c> server), and a password. A replay connects as the target's profile, whatever the capture did.
/// </summary>
[Collection(TlsCollection.Name)]
public sealed class ReplayTargetTests(TlsRedisFixture fx)
{
    private async Task<string> ImportAsync(string key)
    {
        var lines = $"1700000000.000000 [0 10.0.0.1:1000] \"AUTH\" \"(redacted)\"\n" +
                    $"1700000000.000100 [0 10.0.0.1:1000] \"SET\" \"{key}\" \"\\x00tls\\xff\"\n";
        var session = await ImportHelpers.ImportAsync(fx.Http, ImportHelpers.Utf8(lines));
        return (string)session["id"]!;
    }

    private Task<ReplayReport> ReplayAsync(string sessionId, ConnectionProfile target) =>
        fx.App.Services.GetRequiredService<ReplayEngine>().RunAsync(sessionId, new ReplaySettings { Pace = ReplayPace.Max }, target, new ReplayCounters(),
            CancellationToken.None);

    [Fact]
    public async Task A_replay_reaches_a_target_that_requires_tls_and_a_client_certificate()
    {
        var id = await ImportAsync("over-mtls");
        var report = await ReplayAsync(id, fx.ClientAuth.Profile());

        Assert.Equal((1, 0), (report.Sent, report.Errors));
        await using var plain = RedisFixture.Connect(fx.ClientAuth.Server);
        Assert.Equal(new byte[] { 0, (byte)'t', (byte)'l', (byte)'s', 0xff }, (byte[])(await plain.GetDatabase().StringGetAsync("over-mtls"))!);
        Assert.NotNull(report.TargetBefore?.UsedMemory);
    }

    [Fact]
    public async Task A_replay_authenticates_with_the_targets_password_and_a_wrong_one_is_the_servers_own_words()
    {
        await using var server = await RedisServer.StartAsync(TimeSpan.FromMinutes(5), "--requirepass", "s3cret");
        var id = await ImportAsync("with-password");
        var profile = new ConnectionProfile { Id = "pw", Name = "pw", Host = "127.0.0.1", Port = server.Port, Password = "s3cret" };

        var report = await ReplayAsync(id, profile);
        Assert.Equal(1, report.Sent);
        Assert.Equal(1, report.SkippedByReason.Single(s => s.Reason == ReplaySkipReason.Auth).Count);
        Assert.Contains("tls", await server.CliAsync("-a", "s3cret", "--no-auth-warning", "get", "with-password"));

        var wrong = await Assert.ThrowsAsync<TargetUnreachableException>(() => ReplayAsync(id, profile with { Password = "guess" }));
        Assert.Contains("WRONGPASS", wrong.Message);
    }
}
