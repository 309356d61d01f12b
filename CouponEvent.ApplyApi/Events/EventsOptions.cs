using System.ComponentModel.DataAnnotations;

namespace CouponEvent.ApplyApi.Events;

/// <summary>Section <c>Events</c>.</summary>
public sealed class EventsOptions
{
    /// <summary>Create the course's event (id <c>default</c>, always open) at start-up when it does not exist.</summary>
    public bool CreateDefaultEvent { get; set; } = true;

    [Range(1, 10_000_000)]
    public int DefaultQuantity { get; set; } = 100;
}
