using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Events;

/// <summary>Section <c>Status</c>: how applicants' statuses and events' summaries are answered (<see cref="StatusReader"/>).</summary>
public sealed class StatusOptions
{
    /// <summary>
    /// How long an answer read from MySQL is reused, and how often a waiting poll looks again: a coupon row shows as
    /// <c>issued</c>, and a failed event as <c>retrying</c>, within this, and at once when the change is announced.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CacheFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after its admission a winner's status is taken from the event's announcements alone, with no MySQL read:
    /// <c>accepted</c> until a change of it is announced. A change whose announcement pub/sub lost shows by this long
    /// after the admission. Zero reads MySQL for every winner.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan FreshFor { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest a poll with <c>Prefer: wait=N</c> and a matching <c>If-None-Match</c> is held.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:02:00")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Answers read from MySQL kept at most (one per applicant, or per event).</summary>
    [Range(1_000, 100_000_000)]
    public int CacheEntries { get; set; } = 1_000_000;
}
