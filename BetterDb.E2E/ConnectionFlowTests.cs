using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using BetterDb.E2E.Infrastructure;
using BetterDb.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace BetterDb.E2E;

/// <summary>Issue 3: connections are added, tested, edited and deleted from the browser.</summary>
public sealed class ConnectionFlowTests(AppFixture app, ITestOutputHelper output) : E2ETest(app, output)
{
    [Fact]
    public async Task Add_test_edit_and_delete_a_connection()
    {
        var info = await App.Redis.CliAsync("INFO", "server");
        var version = Regex.Match(info, @"redis_version:(\S+)").Groups[1].Value;
        Assert.NotEmpty(version);

        var p = await OpenAsync();
        await p.GotoAsync("/connections");
        await Expect(p.TestId("connection-row").First).ToBeVisibleAsync(); // the configured `default` connection
        await ShotBothThemesAsync(p, "01-connections");

        // Add
        var name = $"e2e-{Run}";
        await p.TestId("add-connection").ClickAsync();
        await Expect(p.TestId("conn-save")).ToBeVisibleAsync();
        await FillAsync(p, "conn-name", name);
        await FillAsync(p, "conn-host", "127.0.0.1");
        await FillAsync(p, "conn-port", App.Redis.Port.ToString());
        await FillAsync(p, "conn-db", "0");
        await ShotBothThemesAsync(p, "02-add-form");
        await p.TestId("conn-save").ClickAsync();
        await Expect(p.TestId("conn-save")).ToBeHiddenAsync();

        var byName = p.TestId("connection-row").Filter(new() { HasText = name });
        await Expect(byName).ToHaveCountAsync(1);
        var id = await byName.GetAttributeAsync("data-connection-id");
        Assert.False(string.IsNullOrEmpty(id));
        var row = p.Page.Locator($"[data-testid=connection-row][data-connection-id='{id}']");
        var saved = await ApiConnectionAsync(id!);
        Assert.NotNull(saved);
        Assert.Equal(name, saved.Value.GetProperty("name").GetString());
        Assert.Equal("127.0.0.1", saved.Value.GetProperty("host").GetString());
        Assert.Equal(App.Redis.Port, saved.Value.GetProperty("port").GetInt32());

        // Test: the result names the server's version
        await row.GetByTestId("test-connection").ClickAsync();
        await Expect(p.TestId("test-result").First).ToContainTextAsync(version);
        Log($"test-result: {await p.TestId("test-result").First.InnerTextAsync()}");
        await ShotBothThemesAsync(p, "03-tested");

        // Edit: the form opens with the saved values; the new name shows in the row and in the API
        await row.GetByTestId("edit-connection").ClickAsync();
        var nameInput = p.Page.Locator("[data-testid=conn-name] input, input[data-testid=conn-name]").First;
        await Expect(nameInput).ToHaveValueAsync(name);
        await Expect(p.Page.Locator("[data-testid=conn-port] input, input[data-testid=conn-port]").First)
            .ToHaveValueAsync(App.Redis.Port.ToString());
        var renamed = $"e2e-{Run}-renamed";
        await FillAsync(p, "conn-name", renamed);
        await ShotBothThemesAsync(p, "04-edit-form");
        await p.TestId("conn-save").ClickAsync();
        await Expect(p.TestId("conn-save")).ToBeHiddenAsync();
        await Expect(row).ToContainTextAsync(renamed);
        Assert.Equal(renamed, (await ApiConnectionAsync(id!))!.Value.GetProperty("name").GetString());

        // Delete, after a confirmation
        await row.GetByTestId("delete-connection").ClickAsync();
        await Expect(p.TestId("confirm-delete")).ToBeVisibleAsync();
        await ShotBothThemesAsync(p, "05-confirm-delete");
        await p.TestId("confirm-delete").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        Assert.Null(await ApiConnectionAsync(id!));
    }

    [Fact]
    public async Task Testing_an_unreachable_connection_shows_the_error_instead_of_hanging()
    {
        var closedPort = RedisServer.FreePort(); // nothing listens there once the probe listener is closed
        var p = await OpenAsync();
        await p.GotoAsync("/connections");
        var name = $"e2e-{Run}-down";
        await p.TestId("add-connection").ClickAsync();
        await FillAsync(p, "conn-name", name);
        await FillAsync(p, "conn-host", "127.0.0.1");
        await FillAsync(p, "conn-port", closedPort.ToString());
        await p.TestId("conn-save").ClickAsync();
        var row = p.TestId("connection-row").Filter(new() { HasText = name });
        await Expect(row).ToHaveCountAsync(1);
        var id = await row.GetAttributeAsync("data-connection-id");
        try
        {
            await row.GetByTestId("test-connection").ClickAsync();
            var result = p.TestId("test-result").First;
            await Expect(result).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Expect(result).ToContainTextAsync(
                new Regex("error|refused|fail|unreachable|could not|cannot|timed? ?out|unable", RegexOptions.IgnoreCase),
                new() { Timeout = 30_000 });
            await Expect(result).Not.ToContainTextAsync("redis_version");
            Log($"test-result for a closed port: {await result.InnerTextAsync()}");
            await ShotAsync(p, "unreachable");
        }
        finally
        {
            await App.Http.DeleteAsync($"/api/connections/{id}");
        }
    }

    private async Task<JsonElement?> ApiConnectionAsync(string id)
    {
        var all = await App.Http.GetFromJsonAsync<JsonElement>("/api/connections");
        foreach (var c in all.EnumerateArray())
            if (c.GetProperty("id").GetString() == id) return c.Clone();
        return null;
    }
}
