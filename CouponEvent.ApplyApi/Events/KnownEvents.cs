using System.Collections.Concurrent;
using System.Collections.Frozen;
using CouponEvent.Data.Model;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// The events MySQL holds, refreshed in the background: the live ones as MySQL last listed them, and the settled ones
/// with why they settled. When Redis has no state for an event, this tells "recovering: try again" (503, a live event),
/// "over" (a settled event, whose keys left Redis) and "no such event" (404) apart without a MySQL query on the hot
/// path; and it answers an event's summary without one (<see cref="StatusReader"/>).
/// </summary>
public sealed class KnownEvents
{
    // One snapshot, swapped whole: an event moving between live and settled is never seen in neither (a false 404).
    private sealed record Snapshot(FrozenDictionary<string, Event> Live, FrozenDictionary<string, string> Settled);

    private volatile Snapshot _snapshot = new(FrozenDictionary<string, Event>.Empty, FrozenDictionary<string, string>.Empty);
    // Created here since MySQL was last listed: kept apart, so that a create costs no copy of every live event.
    private readonly ConcurrentDictionary<string, Event> _created = new();
    private volatile FrozenSet<string> _unverified = FrozenSet<string>.Empty;

    public bool Contains(string eventId)
    {
        var s = _snapshot;
        return s.Live.ContainsKey(eventId) || s.Settled.ContainsKey(eventId) || _created.ContainsKey(eventId);
    }

    /// <summary>A live event as MySQL last listed it (its <see cref="Event.Issued"/> as of then), or null.</summary>
    public Event? Live(string eventId) => _snapshot.Live.GetValueOrDefault(eventId) ?? _created.GetValueOrDefault(eventId);

    /// <summary>Why the event settled (<see cref="SettledReasons"/>), or null while it is live or unknown.</summary>
    public string? SettledReason(string eventId) => _snapshot.Settled.GetValueOrDefault(eventId);

    /// <summary>
    /// The live events as MySQL listed them, then the events it lists as settled since the last look. One settled
    /// since the first read is in both lists, and settled; one settled before and listed live is live again.
    /// </summary>
    public void Refresh(IEnumerable<Event> live, IReadOnlyCollection<(string Id, string Reason)> newlySettled)
    {
        var liveNow = live.ToDictionary(e => e.Id);
        var settled = _snapshot.Settled;
        // Copied only when it changes: the settled events cost nothing per refresh, however many.
        if (newlySettled.Count > 0 || liveNow.Keys.Any(settled.ContainsKey))
        {
            var next = settled.ToDictionary();
            foreach (var id in liveNow.Keys) next.Remove(id);
            foreach (var (id, reason) in newlySettled) next[id] = reason;
            settled = next.ToFrozenDictionary();
        }
        foreach (var (id, _) in newlySettled) liveNow.Remove(id);
        _snapshot = new(liveNow.ToFrozenDictionary(), settled);
        foreach (var id in _created.Keys.Where(id => liveNow.ContainsKey(id) || settled.ContainsKey(id))) _created.TryRemove(id, out _);
    }

    public void Add(Event e) => _created.TryAdd(e.Id, e);

    /// <summary>
    /// Whether Redis's state of the event was missing or unverified at the last check (lost, restarted, rolled back, being
    /// rebuilt): what Redis says of its winners may be missing some until it is rebuilt.
    /// </summary>
    public bool IsUnverified(string eventId) => _unverified.Contains(eventId);

    public void SetUnverified(IEnumerable<string> eventIds) => _unverified = eventIds.ToFrozenSet();
}
