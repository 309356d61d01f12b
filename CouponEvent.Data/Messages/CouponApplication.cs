using System.Text.Json;
using System.Text.Json.Serialization;

namespace CouponEvent.Data.Messages;

/// <summary>
/// The message on topic <c>coupon_create</c>: one admitted application, to be issued as a coupon.
/// Version 1, JSON, camelCase. Key: <c>{eventId}:{userId}</c>. Header <c>traceparent</c>: W3C trace context.
/// Consumers must ignore unknown fields so that later versions can add some.
/// </summary>
public sealed record CouponApplication(
    int Version,
    Guid ApplicationId,
    string EventId,
    long UserId,
    DateTimeOffset AdmittedAt)
{
    public const int CurrentVersion = 1;

    public static CouponApplication Create(Guid applicationId, string eventId, long userId, DateTimeOffset admittedAt) =>
        new(CurrentVersion, applicationId, eventId, userId, admittedAt);

    /// <summary>Names the application (one per user and event); it does not choose the partition (ApplyApi's <c>WindowPartitioner</c> does).</summary>
    [JsonIgnore]
    public string Key => $"{EventId}:{UserId}";

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, MessageJsonContext.Default.CouponApplication);

    /// <summary>Parses and checks a message body; a message that fails is poison and says why.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out CouponApplication? application, out string? error)
    {
        application = null;
        try
        {
            application = JsonSerializer.Deserialize(utf8Json, MessageJsonContext.Default.CouponApplication);
        }
        catch (JsonException ex)
        {
            error = $"not a {nameof(CouponApplication)}: {ex.Message}";
            return false;
        }

        error = application switch
        {
            null => "empty message",
            { Version: < 1 or > CurrentVersion } => $"unsupported version {application.Version}",
            { ApplicationId: var id } when id == Guid.Empty => "missing applicationId",
            { EventId: var e } when !Model.EventIds.IsValid(e) => "invalid eventId",
            { UserId: <= 0 } => "userId must be positive",
            _ => null,
        };
        if (error is not null) application = null;
        return error is null;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CouponApplication))]
internal sealed partial class MessageJsonContext : JsonSerializerContext;

/// <summary>The Kafka side of the contract: topic names, their partitions, the consumer group that issues coupons.</summary>
public static class Topics
{
    /// <summary>The course's topic name.</summary>
    public const string CouponCreate = "coupon_create";

    /// <summary>
    /// Partitions of <see cref="CouponCreate"/> as the AppHost provisions it: the most consumer replicas that can share
    /// the work. Clients ask the broker; this is only what to create.
    /// </summary>
    public const int CouponCreatePartitions = 6;

    /// <summary>Where the Consumer puts a message that is not a valid application, with its reason.</summary>
    public const string CouponCreateDeadLetter = CouponCreate + ".dlt";

    /// <summary>
    /// The Consumer's group. Its committed offsets are what "issued so far" means to ApplyApi's recovery and the
    /// RetryJob's reconciliation, which wait for its lag to reach zero.
    /// </summary>
    public const string CouponConsumerGroup = "coupon-consumer";
}
