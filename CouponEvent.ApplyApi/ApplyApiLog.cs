namespace CouponEvent.ApplyApi;

internal static partial class ApplyApiLog
{
    [LoggerMessage(1001, LogLevel.Warning, "Redis failed during admission of application {ApplicationId} (user {UserId}, event {EventId}): {Reason}")]
    public static partial void RedisFailed(ILogger logger, Guid applicationId, string eventId, string userId, string reason);

    [LoggerMessage(1002, LogLevel.Warning, "Kafka did not store application {ApplicationId} (user {UserId}, event {EventId}); slot released")]
    public static partial void PublishFailed(ILogger logger, Guid applicationId, string eventId, string userId);

    [LoggerMessage(1003, LogLevel.Error, "Kafka outcome unknown for application {ApplicationId} (user {UserId}, event {EventId}); slot kept for reconciliation")]
    public static partial void PublishOutcomeUnknown(ILogger logger, Guid applicationId, string eventId, string userId);

    [LoggerMessage(1005, LogLevel.Warning, "Could not mark application {ApplicationId} (user {UserId}, event {EventId}) pending; reconciliation finds it anyway: {Reason}")]
    public static partial void MarkPendingFailed(ILogger logger, Guid applicationId, string eventId, string userId, string reason);

    [LoggerMessage(1004, LogLevel.Error, "Could not confirm the release of application {ApplicationId}'s slot (user {UserId}, event {EventId}), answered outcome-unknown: {Reason}")]
    public static partial void ReleaseFailed(ILogger logger, Guid applicationId, string eventId, string userId, string reason);

    [LoggerMessage(1006, LogLevel.Information, "Event {EventId} is sold out ({Winners} winners): answering from memory")]
    public static partial void SoldOutLearnt(ILogger logger, string eventId, int winners);

    [LoggerMessage(1007, LogLevel.Information, "Event {EventId} changed: asking Redis again")]
    public static partial void SoldOutForgotten(ILogger logger, string eventId);

    [LoggerMessage(1008, LogLevel.Warning, "Could not read event {EventId} to remember its answers; Redis keeps answering: {Reason}")]
    public static partial void RememberFailed(ILogger logger, string eventId, string reason);

    [LoggerMessage(1010, LogLevel.Warning, "Redis's replicas did not acknowledge application {ApplicationId} (user {UserId}, event {EventId}) in time; slot released")]
    public static partial void ReplicasDidNotAcknowledge(ILogger logger, Guid applicationId, string eventId, string userId);

    [LoggerMessage(1009, LogLevel.Warning, "Could not subscribe to event {EventId}'s changes; Redis answers for it until a later try succeeds: {Reason}")]
    public static partial void SoldOutSubscribeFailed(ILogger logger, string eventId, string reason);

    [LoggerMessage(1011, LogLevel.Warning, "Could not subscribe to event {EventId}'s status announcements; held polls look again every CacheFor until a later try succeeds: {Reason}")]
    public static partial void StatusSubscribeFailed(ILogger logger, string eventId, string reason);
}
