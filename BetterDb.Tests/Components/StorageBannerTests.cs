using BetterDb.Blazor.Components.Layout;
using BetterDb.Core.Storage;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace BetterDb.Tests.Components;

/// <summary>Issue 9 item 3: when storage is gone every page says so.</summary>
public sealed class StorageBannerTests : ComponentTestContext
{
    [Fact]
    public void The_layout_shows_a_banner_once_storage_is_gone()
    {
        var cut = Ctx.Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        Assert.Empty(cut.FindAll("[data-testid=storage-failure]"));
        Service<StorageHealth>().ReportGone("database file is gone: /tmp/x/betterdb.db was deleted while the app ran");
        cut.WaitForAssertion(() => Assert.Contains("database file is gone", cut.Find("[data-testid=storage-failure]").TextContent), Patience);
    }
}
