namespace BetterDb.Core.Connections;

/// <summary>Parses <c>redis://[user:password@]host:port[/db]</c> and <c>rediss://</c> (TLS).</summary>
public static class RedisUrl
{
    public static bool TryParse(string text, out ConnectionProfile profile, out string error)
    {
        profile = null!;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            error = "expected redis://[user:password@]host:port[/db] or rediss://...";
            return false;
        }
        if (string.IsNullOrEmpty(uri.Host))
        {
            error = "the host is missing";
            return false;
        }
        string? user = null, password = null;
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':');
            var rawUser = colon < 0 ? uri.UserInfo : uri.UserInfo[..colon];
            user = Uri.UnescapeDataString(rawUser);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (colon < 0)
            {
                // redis://secret@host is the password-only form redis-cli accepts.
                password = user;
                user = null;
            }
            if (user == "") user = null;
        }
        var db = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, out db) || db < 0))
        {
            error = $"the database '{path}' is not a non-negative number";
            return false;
        }
        profile = new ConnectionProfile
        {
            Id = ConnectionProfile.DefaultId,
            Name = "default",
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 6379 : uri.Port,
            Username = user,
            Password = password,
            Tls = uri.Scheme == "rediss",
            Db = db,
        };
        error = "";
        return true;
    }
}
