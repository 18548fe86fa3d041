using BetterDb.Core.Anomalies;
using BetterDb.Core.Capture;
using BetterDb.Core.Configuration;
using BetterDb.Core.Storage;
using BetterDb.Core.Webhooks;

namespace BetterDb.Tests.Capture;

/// <summary>
/// The string columns keep the API's words, and a record is made from a row in one place: a word this build does
/// not know is an error there, never some default status.
/// </summary>
public sealed class StoredStatusTests
{
    [Fact]
    public void A_row_s_words_become_the_record_s_members()
    {
        var session = CaptureSession.From(new SessionEntity { Id = "s", Status = "interrupted", Source = "schedule" });
        Assert.Equal((CaptureStatus.Interrupted, CaptureSource.Schedule), (session.Status, session.Source));

        var trigger = Trigger.From(TriggerRow("fired"));
        Assert.Equal(TriggerStatus.Fired, trigger.Status);

        var delivery = WebhookDelivery.From(DeliveryRow("gone"), null);
        Assert.Equal(DeliveryStatus.Gone, delivery.Status);
    }

    [Fact]
    public void Each_member_is_stored_as_its_API_word()
    {
        Assert.Equal("running", CaptureStatus.Running.Word());
        Assert.Equal("import", CaptureSource.Import.Word());
        Assert.Equal(["active", "fired", "skipped", "expired", "cancelled"], WireName<TriggerStatus>.All);
        Assert.Equal(["pending", "succeeded", "failed", "gone"], WireName<DeliveryStatus>.All);
    }

    [Fact]
    public void An_unknown_stored_word_fails_loudly()
    {
        var session = Assert.Throws<InvalidDataException>(() => CaptureSession.From(new SessionEntity { Id = "s", Status = "paused", Source = "manual" }));
        Assert.Contains("'paused'", session.Message);
        Assert.Contains("running, completed, truncated, failed, skipped, interrupted", session.Message);
        Assert.Throws<InvalidDataException>(() => CaptureSession.From(new SessionEntity { Id = "s", Status = "completed", Source = "Manual" }));
        Assert.Throws<InvalidDataException>(() => Trigger.From(TriggerRow("1")));
        Assert.Throws<InvalidDataException>(() => WebhookDelivery.From(DeliveryRow(""), null));
    }

    private static TriggerEntity TriggerRow(string status) => new()
    {
        Id = "t", ConnectionId = "c", Metric = "ops_per_sec", AnomalyType = "spike", Status = status,
    };

    private static WebhookDeliveryEntity DeliveryRow(string status) => new()
    {
        Id = "d", WebhookId = "w", EventType = WebhookEventType.Ping, Body = "{}", Status = status,
    };
}
