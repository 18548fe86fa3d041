using System.Net;
using System.Text.Json;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Testing;

namespace BetterDb.Tests.Api;

/// <summary>
/// The enums of the HTTP contract (issue 11, item 6) are written exactly as the strings API.md names, read back as the
/// same member, and an unknown word (or a number) never becomes a value: in JSON it fails to read, in a query string it
/// is a 400 naming the parameter and listing the words.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WireEnumTests(RedisAppFixture fx)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Session_statuses_and_sources_are_the_words_of_API_md()
    {
        Assert.Equal(["running", "completed", "truncated", "failed", "skipped", "interrupted"], WireName<CaptureStatus>.All);
        Assert.Equal(SessionStatus.All, WireName<CaptureStatus>.All);
        Assert.Equal(["manual", "trigger", "schedule", "import"], WireName<CaptureSource>.All);
        Assert.Equal(["newest", "oldest", "most_lines", "most_bytes", "longest"], WireName<SessionSort>.All);
    }

    [Fact]
    public void Every_value_round_trips_through_JSON_as_its_word()
    {
        RoundTrips<CaptureStatus>();
        RoundTrips<CaptureSource>();
        RoundTrips<SessionSort>();
    }

    private static void RoundTrips<TEnum>() where TEnum : struct, Enum
    {
        foreach (var value in Enum.GetValues<TEnum>())
        {
            var json = JsonSerializer.Serialize(value, Web);
            Assert.Equal($"\"{WireName<TEnum>.Of(value)}\"", json);
            Assert.Equal(value, JsonSerializer.Deserialize<TEnum>(json, Web));
            Assert.True(WireName<TEnum>.TryParse(WireName<TEnum>.Of(value), out var parsed));
            Assert.Equal(value, parsed);
        }
    }

    [Theory]
    [InlineData("\"bogus\"")]
    [InlineData("\"Running\"")]
    [InlineData("\"RUNNING\"")]
    [InlineData("1")]
    [InlineData("null")]
    public void An_unknown_word_or_a_number_does_not_read(string json)
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CaptureStatus>(json, Web));
        Assert.False(WireName<CaptureStatus>.TryParse(json.Trim('"'), out _));
    }

    [Theory]
    [InlineData("status", "Running", "running, completed, truncated, failed, skipped, interrupted")]
    [InlineData("source", "cron", "manual, trigger, schedule, import")]
    [InlineData("sort", "most-lines", "newest, oldest, most_lines, most_bytes, longest")]
    public async Task An_unknown_word_in_the_sessions_query_is_a_400_listing_the_words(string name, string value, string words)
    {
        using var response = await fx.Http.GetAsync($"/api/monitor/sessions?{name}={value}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(name, problem.GetProperty("field").GetString());
        Assert.Equal($"{name} must be one of {words}.", problem.GetProperty("detail").GetString());
    }
}
