using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using CouponEvent.ServiceDefaults;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// The synthetic applicants of one stack: each a subject with an access token from that stack's issuer, asked for over
/// HTTP by the Development grant and kept until shortly before it expires. A race gets its tokens first, so that it
/// measures applying, not minting.
/// </summary>
public sealed class Applicants(HttpClient issuer)
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, Task<string>> _tokens = new(StringComparer.Ordinal);

    /// <summary>The subject of test user <paramref name="user"/>: its number's digits, as pre-token rows name it too.</summary>
    public static string Subject(long user) => user.ToString(CultureInfo.InvariantCulture);

    public async Task<string> TokenAsync(string subject)
    {
        var pending = _tokens.GetOrAdd(subject, s => TokenClient.RequestApplicantTokenAsync(issuer, s));
        try
        {
            var token = await pending;
            if (new JsonWebToken(token).ValidTo - DateTime.UtcNow > RenewBefore) return token;
        }
        catch (HttpRequestException)
        {
            // Not cached: the next caller asks again.
        }
        _tokens.TryRemove(new KeyValuePair<string, Task<string>>(subject, pending));
        return await _tokens.GetOrAdd(subject, s => TokenClient.RequestApplicantTokenAsync(issuer, s));
    }

    /// <summary>Gets every user's token ahead of a race.</summary>
    public Task PrepareAsync(IEnumerable<long> users) =>
        Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (user, _) => await TokenAsync(Subject(user)));

    public Task<HttpResponseMessage> ApplyAsync(HttpClient api, string eventId, long user) => ApplyAsync(api, eventId, Subject(user));

    /// <summary>Applies as <paramref name="subject"/>, with its token: no body, as the API asks.</summary>
    public async Task<HttpResponseMessage> ApplyAsync(HttpClient api, string eventId, string subject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{eventId}/applications");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(subject));
        return await api.SendAsync(request);
    }

    /// <summary>The caller's own status (<c>GET .../applications/me</c>) as <paramref name="subject"/>.</summary>
    public async Task<HttpResponseMessage> StatusAsync(HttpClient api, string eventId, string subject)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/events/{eventId}/applications/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(subject));
        return await api.SendAsync(request);
    }

    /// <summary>Sends one application per user from <paramref name="workers"/> parallel workers; returns each user's answer.</summary>
    public async Task<RaceResult> RaceAsync(HttpClient api, string eventId, IReadOnlyList<long> users, int workers = 32)
    {
        await PrepareAsync(users);
        var answers = new ConcurrentDictionary<long, HttpStatusCode>();
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (user, _) =>
        {
            using var response = await ApplyAsync(api, eventId, user);
            answers[user] = response.StatusCode;
        });
        return new RaceResult(answers);
    }

    /// <summary>
    /// A race whose users, told 503, try again a second later (as users do) until every one has a definite answer.
    /// </summary>
    public async Task<RaceResult> RaceUntilAnsweredAsync(HttpClient api, string eventId, IReadOnlyList<long> users, int workers = 32)
    {
        var answers = new Dictionary<long, HttpStatusCode>((await RaceAsync(api, eventId, users, workers)).Answers);
        for (var round = 0; round < 60 && answers.ContainsValue(HttpStatusCode.ServiceUnavailable); round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var retry = await RaceAsync(api, eventId,
                answers.Where(a => a.Value == HttpStatusCode.ServiceUnavailable).Select(a => a.Key).ToList(), workers);
            foreach (var (user, status) in retry.Answers) answers[user] = status;
        }
        return new RaceResult(answers);
    }
}
