using System.Text.Json;
using System.Text.Json.Serialization;

namespace BetterDb.Core.Configuration;

/// <summary>
/// JSON for an enum of the HTTP contract: exactly the words of <see cref="WireName{TEnum}"/> (the same rule: member
/// names in snake_case unless a member names itself), never a number. An unknown word fails to read, which the API
/// answers as its 400 naming the field. Built on the framework's string-enum converter so the OpenAPI document still
/// lists the allowed words.
/// </summary>
public sealed class WireEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
