using System.Collections.Frozen;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// The ids of the events MySQL holds, refreshed in the background. When Redis has no state for an event,
/// this tells "recovering: try again" (503) from "no such event" (404) without a MySQL query on the hot path.
/// </summary>
public sealed class KnownEvents
{
    private volatile FrozenSet<string> _ids = FrozenSet<string>.Empty;

    public bool Contains(string eventId) => _ids.Contains(eventId);

    public void Replace(IEnumerable<string> ids) => _ids = ids.ToFrozenSet();

    public void Add(string eventId) => _ids = _ids.Append(eventId).ToFrozenSet();
}
