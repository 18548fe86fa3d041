using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BetterDb.Core.Configuration;

/// <summary>
/// The words an enum of the HTTP contract is written as (API.md: "enums as lowercase strings with underscores"): a
/// member's <see cref="JsonStringEnumMemberNameAttribute"/> when it has one, else its name in snake_case. JSON
/// (<see cref="WireEnumConverter{TEnum}"/>), query strings and the UI's lists all read them here, so each allowed word
/// is written once. The string columns that store a contract enum (a session's status, a trigger's, a delivery's) hold
/// the same words: <see cref="Stored"/> reads one back.
/// </summary>
public static class WireName<TEnum> where TEnum : struct, Enum
{
    private static readonly TEnum[] Values = Enum.GetValues<TEnum>();
    private static readonly string[] Names = Values.Select(NameOf).ToArray();

    /// <summary>Every word, in the enum's order.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>The words as an error message lists them: <c>a, b, c</c>.</summary>
    public static string OneOf { get; } = string.Join(", ", Names);

    public static string Of(TEnum value)
    {
        var i = Array.IndexOf(Values, value);
        return i >= 0 ? Names[i] : throw new ArgumentOutOfRangeException(nameof(value), value, $"{value} is not a {typeof(TEnum).Name}.");
    }

    /// <summary>Exact words only (case as written): a number, another case or an unknown word is false.</summary>
    public static bool TryParse(string? text, out TEnum value)
    {
        var i = text is null ? -1 : Array.IndexOf(Names, text);
        value = i >= 0 ? Values[i] : default;
        return i >= 0;
    }

    /// <summary>The member of a word <see cref="TryParse"/> accepts; null for any other (or none).</summary>
    public static TEnum? Find(string? text) => TryParse(text, out var value) ? value : null;

    /// <summary>
    /// A word read back from storage. A word no member has is a row this build cannot read (a newer build's, or a hand
    /// edit): it throws rather than become some default status.
    /// </summary>
    public static TEnum Stored(string? word) => TryParse(word, out var value)
        ? value
        : throw new InvalidDataException($"The stored {typeof(TEnum).Name} '{word}' is none of {OneOf}.");

    private static string NameOf(TEnum value)
    {
        var field = typeof(TEnum).GetField(value.ToString(), BindingFlags.Public | BindingFlags.Static)!;
        return field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(field.Name);
    }
}

/// <summary><c>CaptureStatus.Running.Word()</c> is <c>"running"</c>: the word of <see cref="WireName{TEnum}"/>, for a string column or the UI's text.</summary>
public static class WireWord
{
    public static string Word<TEnum>(this TEnum value) where TEnum : struct, Enum => WireName<TEnum>.Of(value);
}
