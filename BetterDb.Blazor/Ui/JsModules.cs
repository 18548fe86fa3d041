using Microsoft.JSInterop;

namespace BetterDb.Blazor.Ui;

/// <summary>Leaving a page's JavaScript behind when the component goes, including when the browser already went.</summary>
public static class JsModules
{
    /// <summary>
    /// Whether a failed interop call only says the browser side is gone: a closed tab (JSDisconnectedException) or a
    /// circuit shutting down while the call was in flight (its cancellation). Nobody is left to see either.
    /// </summary>
    public static bool BrowserGone(Exception e) => e is JSDisconnectedException or OperationCanceledException or ObjectDisposedException;

    /// <summary>Calls <paramref name="cleanup"/> (if any) on the module, then releases it; a browser that is gone is not an error.</summary>
    public static async ValueTask ReleaseAsync(this IJSObjectReference? module, string? cleanup = null, params object?[] args)
    {
        if (module is null) return;
        try
        {
            if (cleanup is not null) await module.InvokeVoidAsync(cleanup, args);
        }
        catch (Exception e) when (BrowserGone(e) || e is JSException) { }
        try { await module.DisposeAsync(); }
        catch (Exception e) when (BrowserGone(e) || e is JSException) { }
    }
}
