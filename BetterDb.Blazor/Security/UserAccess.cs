using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace BetterDb.Blazor.Security;

/// <summary>What the circuit's user may do, for the UI to hide what their role cannot (the API enforces the same, see <see cref="ApiAccess"/>).</summary>
public sealed class UserAccess(AuthenticationStateProvider state, IOptionsMonitor<AuthOptions> options)
{
    public async Task<(string? Name, string? Role)> WhoAsync()
    {
        var user = (await state.GetAuthenticationStateAsync()).User;
        return (user.Identity?.Name, AuthSchemes.RoleOf(user));
    }

    /// <summary>Start and stop captures, import, label and delete sessions, triggers and schedules.</summary>
    public async Task<bool> CanOperateAsync() => !options.CurrentValue.ReadOnly && Roles.CanOperate((await WhoAsync()).Role);

    /// <summary>Connections, webhooks, accounts and tokens.</summary>
    public async Task<bool> IsAdminAsync() => !options.CurrentValue.ReadOnly && Roles.IsAdmin((await WhoAsync()).Role);
}
