namespace BetterDb.Blazor.Security;

/// <summary>What each role may do: admin everything, operator captures and their automation, viewer reading.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";
    public static readonly string[] All = [Admin, Operator, Viewer];

    public static bool CanOperate(string? role) => role is Admin or Operator;
    public static bool IsAdmin(string? role) => role == Admin;
}
