using System.Text.Json;
using System.Text.Json.Serialization;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.Data.Messages;

/// <summary>
/// The message on topic <c>coupon_create</c>: one admitted application, to be issued as a coupon.
/// Version 1, JSON, camelCase. Key: <c>{eventId}:{userId}</c>. Header <c>traceparent</c>: W3C trace context.
/// Consumers must ignore unknown fields so that later versions can add some.
/// </summary>
/// <param name="UserId">The applicant: the subject of its access token (<see cref="IdentityContract.IsValidSubject"/>).
/// Messages written before applicants were tokens' subjects carry a number; it is read as its digits.</param>
public sealed record CouponApplication(
    int Version,
    Guid ApplicationId,
    string EventId,
    [property: JsonConverter(typeof(ApplicantIdConverter))] string UserId,
    DateTimeOffset AdmittedAt)
{
    public const int CurrentVersion = 1;

    public static CouponApplication Create(Guid applicationId, string eventId, string userId, DateTimeOffset admittedAt) =>
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
            { UserId: var u } when !IdentityContract.IsValidSubject(u) => "invalid userId",
            _ => null,
        };
        if (error is not null) application = null;
        return error is null;
    }
}

/// <summary>An applicant id as a string, or as the number of a version-1 message from before applicants were subjects.</summary>
internal sealed class ApplicantIdConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt64(out var number) => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            JsonTokenType.String => reader.GetString()!,
            _ => throw new JsonException("userId must be a string."),
        };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
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
