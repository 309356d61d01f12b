using System.Collections.Frozen;

namespace CouponEvent.ApplyApi.Events;

/// <summary>
/// The events MySQL holds, refreshed in the background: the live ones, and the settled ones with why they settled.
/// When Redis has no state for an event, this tells "recovering: try again" (503, a live event), "over" (a settled
/// event, whose keys left Redis) and "no such event" (404) apart without a MySQL query on the hot path.
/// </summary>
public sealed class KnownEvents
{
    private volatile FrozenSet<string> _live = FrozenSet<string>.Empty;
    private volatile FrozenDictionary<string, string> _settled = FrozenDictionary<string, string>.Empty;

    public bool Contains(string eventId) => _live.Contains(eventId) || _settled.ContainsKey(eventId);

    /// <summary>Why the event settled (<see cref="Data.Model.SettledReasons"/>), or null while it is live or unknown.</summary>
    public string? SettledReason(string eventId) => _settled.GetValueOrDefault(eventId);

    /// <summary>The live events as MySQL lists them now: one that was settled and is live again is no longer settled.</summary>
    public void ReplaceLive(IEnumerable<string> ids)
    {
        var live = ids.ToFrozenSet();
        _live = live;
        if (_settled.Keys.Any(live.Contains)) _settled = _settled.Where(s => !live.Contains(s.Key)).ToFrozenDictionary();
    }

    /// <summary>Events settled since the last call, with their reasons.</summary>
    public void AddSettled(IReadOnlyCollection<(string Id, string Reason)> settled)
    {
        if (settled.Count == 0) return;
        var all = _settled.ToDictionary();
        foreach (var (id, reason) in settled) all[id] = reason;
        _settled = all.ToFrozenDictionary();
        _live = _live.Except(all.Keys).ToFrozenSet();
    }

    public void Add(string eventId) => _live = _live.Append(eventId).ToFrozenSet();
}
