using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CouponEvent.ServiceDefaults;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>Users and their answers. A user keeps trying (on another replica, after a second) until a definite answer.</summary>
public sealed class Race(List<HttpClient> clients, string eventId, Applicants applicants)
{
    private readonly ConcurrentDictionary<long, HttpStatusCode?> _final = new();
    private readonly ConcurrentDictionary<HttpStatusCode, int> _counts = new();
    private int _requests;
    private int _unanswered;

    public int Requests => _requests;
    public int Unanswered => _unanswered;
    /// <summary>Why requests got no answer, by message: a replica killed, or something else to look into.</summary>
    public ConcurrentDictionary<string, int> NoAnswerReasons { get; } = new();
    /// <summary>Users who sent a request whose outcome they could not know (no answer, or 503 outcome-unknown).</summary>
    public ConcurrentDictionary<long, bool> AmbiguousUsers { get; } = new();
    public IEnumerable<long> Ambiguous => AmbiguousUsers.Keys;
    public HashSet<long> Accepted => _final.Where(f => f.Value == HttpStatusCode.Accepted).Select(f => f.Key).ToHashSet();
    public int Count(HttpStatusCode status) => _counts.GetValueOrDefault(status);

    /// <param name="arrivals">First applications arrive spread evenly over this time, as a burst does.</param>
    public async Task RunAsync(IReadOnlyList<long> users, TimeSpan arrivals = default)
    {
        await applicants.PrepareAsync(users);
        var waiting = users.ToList();
        var start = DateTime.UtcNow;
        for (var round = 0; waiting.Count > 0 && round < 90; round++)
        {
            if (round > 0) await Task.Delay(TimeSpan.FromSeconds(1));
            var order = waiting.Select((user, index) => (user, at: arrivals * index / waiting.Count)).ToList();
            await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (next, _) =>
            {
                var wait = next.at - (DateTime.UtcNow - start);
                if (round == 0 && wait > TimeSpan.Zero) await Task.Delay(wait);
                _final[next.user] = await ApplyAsync(next.user, round);
            });
            waiting = waiting.Where(u => _final[u] is null).ToList();
        }
    }

    /// <summary>Users without a coupon apply again until the event is full or nothing changes.</summary>
    public async Task SweepAsync(IReadOnlyList<long> users, Func<Task<long>> coupons, int quantity)
    {
        for (var round = 0; round < 40 && await coupons() < quantity; round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            await RunAsync(users.Where(u => _final[u] is HttpStatusCode.Gone).Take(200).ToList());
        }
    }

    /// <returns>The definite answer, or null when the user must try again.</returns>
    private async Task<HttpStatusCode?> ApplyAsync(long user, int round)
    {
        Interlocked.Increment(ref _requests);
        try
        {
            using var response = await applicants.ApplyAsync(clients[(int)((user + round) % clients.Count)], eventId, user);
            _counts.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable) return response.StatusCode;
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (problem.GetProperty("type").GetString() == ProblemTypes.OutcomeUnknown.Uri) AmbiguousUsers[user] = true;
            return null;
        }
        // A SocketException comes unwrapped when the replica dies between accepting the connection and the request.
        catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException)
        {
            NoAnswerReasons.AddOrUpdate(ex.InnerException?.Message ?? ex.Message, 1, (_, n) => n + 1);
            // The replica died with the request: it may have admitted and published it.
            Interlocked.Increment(ref _unanswered);
            AmbiguousUsers[user] = true;
            return null;
        }
    }
}
