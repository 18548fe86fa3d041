using System.Net;
using System.Net.Sockets;

namespace BetterDb.Core.Connections;

/// <summary>
/// What a connection's host may be: a host name of RFC 1123 labels (letters, digits and inner hyphens, 1-63 each,
/// 253 in all, an optional final dot), an IPv4 address in dotted-quad form, or an IPv6 address (a zone such as
/// <c>%eth0</c> allowed), without brackets or a port. Anything else (a path, a URL, a NUL) is refused, so it can never
/// reach a resolver, a log line or the UI as something else.
/// </summary>
public static class HostName
{
    public const int MaxLength = 253;

    /// <summary>Why <paramref name="host"/> is not a host name or address, or null when it is one.</summary>
    public static string? Check(string host)
    {
        if (host.Length == 0) return "it is empty";
        if (host.Length > MaxLength + 1) return $"it is longer than {MaxLength} characters";
        if (host.Contains(':'))
        {
            if (host.StartsWith('[')) return "give an IPv6 address without brackets";
            return IPAddress.TryParse(host, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? null : "it is not a valid IPv6 address (and a port goes in its own field)";
        }
        var name = host.EndsWith('.') ? host[..^1] : host;
        if (name.Length == 0 || name.Length > MaxLength) return $"a host name has 1 to {MaxLength} characters";
        var labels = name.Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63) return "each dot-separated part of a host name has 1 to 63 characters";
            if (label[0] == '-' || label[^1] == '-') return "a part of a host name cannot start or end with a hyphen";
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                    return c == '_' ? "a host name has no underscores (RFC 1123)" : "a host name has only letters, digits, hyphens and dots";
        }
        // All digits in the last part: meant as an IPv4 address, which then must be one.
        if (labels[^1].All(char.IsAsciiDigit))
        {
            var isQuad = labels.Length == 4 && labels.All(l => l.Length <= 3 && int.Parse(l, System.Globalization.CultureInfo.InvariantCulture) <= 255);
            return isQuad && !host.EndsWith('.') ? null : "it is not a valid IPv4 address (four numbers 0-255 separated by dots)";
        }
        return null;
    }
}
