using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Events;

/// <summary>Section <c>Recovery</c>: rebuilding an event's Redis state from MySQL after Redis lost it.</summary>
public sealed class RecoveryOptions
{
    /// <summary>
    /// How long an event's state must have been missing before it is rebuilt: longer than the producer's
    /// <c>message.timeout.ms</c> (5 s), so that a publish admitted by the lost state has landed in Kafka or failed.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often Redis is checked for lost event state, and known events are refreshed from MySQL.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}
