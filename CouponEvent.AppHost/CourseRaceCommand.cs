using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CouponEvent.ServiceDefaults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CouponEvent.AppHost;

/// <summary>
/// "Run the course's race" on applyapi in the dashboard: a fresh 100-coupon event and 1,000 distinct users applying
/// at once, each with its own token from the stack's issuer, so that a person can watch a race in the traces, the
/// metrics and the race view.
/// </summary>
public static class CourseRaceCommand
{
    public const string Name = "run-course-race";
    public const int Quantity = 100;
    public const int Users = 1_000;
    /// <summary>Requests in flight at once: a burst, bounded so that the button cannot become a load test.</summary>
    private const int Concurrency = 32;

    private static int s_running;

    public static IResourceBuilder<ProjectResource> WithCourseRaceCommand(this IResourceBuilder<ProjectResource> applyApi,
        IResourceBuilder<ProjectResource> identity, IResourceBuilder<ParameterResource> adminClientSecret) =>
        applyApi.WithCommand(Name, "Run the course's race",
            context => RunAsync(applyApi.Resource, identity.Resource, adminClientSecret.Resource, context.CancellationToken),
            new CommandOptions
            {
                Description = $"Creates a {Quantity}-coupon event and sends {Users:N0} distinct users' applications at it.",
                IconName = "Flag",
                UpdateState = context => context.ResourceSnapshot.HealthStatus is HealthStatus.Healthy
                    ? ResourceCommandState.Enabled
                    : ResourceCommandState.Disabled,
            });

    private static async Task<ExecuteCommandResult> RunAsync(ProjectResource applyApi, ProjectResource identity, ParameterResource adminClientSecret,
        CancellationToken cancellationToken)
    {
        var url = new Uri(applyApi.GetEndpoint("http").Url);
        if (!url.IsLoopback) return CommandResults.Failure($"The race is sent to loopback addresses only, not {url.Host}.");
        if (Interlocked.Exchange(ref s_running, 1) == 1) return CommandResults.Failure("A race is already running.");
        try
        {
            // The dashboard's click reaches this command inside a trace of its own: sending that context on would make the
            // whole race one trace. Without it, each application is the root of its own trace, as a client's would be.
            using var http = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null })
            {
                BaseAddress = url,
                Timeout = TimeSpan.FromSeconds(30),
            };
            var eventId = $"course-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}";
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/events")
            {
                Content = JsonContent.Create(new { id = eventId, name = "The course's race", quantity = Quantity }),
            };
            using var issuer = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null })
            {
                BaseAddress = new Uri(identity.GetEndpoint("http").Url),
                Timeout = TimeSpan.FromSeconds(10),
            };
            var token = await TokenClient.RequestAdminTokenAsync(issuer, (await adminClientSecret.GetValueAsync(cancellationToken))!, cancellationToken);
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using (var created = await http.SendAsync(create, cancellationToken))
            {
                if (created.StatusCode != HttpStatusCode.Created)
                    return CommandResults.Failure($"Creating the event answered {(int)created.StatusCode}.");
            }

            // Every applicant's token first (the Development grant), so that the race is applying, not minting.
            var tokens = new ConcurrentDictionary<int, string>();
            await Parallel.ForEachAsync(Enumerable.Range(1, Users), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (user, ct) => tokens[user] = await TokenClient.RequestApplicantTokenAsync(issuer, $"racer-{user:D4}", ct));

            var answers = new ConcurrentDictionary<int, int>();
            await Parallel.ForEachAsync(Enumerable.Range(1, Users), new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
                async (user, ct) =>
                {
                    using var apply = new HttpRequestMessage(HttpMethod.Post, $"/api/events/{eventId}/applications");
                    apply.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[user]);
                    using var response = await http.SendAsync(apply, ct);
                    answers.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                });
            return CommandResults.Success($"{eventId}: " + string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key} × {a.Value}")));
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure(ex.Message);
        }
        finally
        {
            Volatile.Write(ref s_running, 0);
        }
    }
}
