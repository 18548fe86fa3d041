namespace BetterDb.Core.Configuration;

/// <summary>Bad input from a user or a client, naming the field at fault. The web layer turns it into a 400.</summary>
public sealed class InvalidInputException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>The request is valid but clashes with the current state (a 409).</summary>
public sealed class ConflictException(string message, string? relatedId = null, string relatedField = "runningSessionId") : Exception(message)
{
    /// <summary>The id of what is in the way (e.g. the running session), when there is one.</summary>
    public string? RelatedId { get; } = relatedId;

    /// <summary>The problem detail's extension that carries <see cref="RelatedId"/> (<c>runningSessionId</c>, <c>activeTriggerId</c>).</summary>
    public string RelatedField { get; } = relatedField;
}
