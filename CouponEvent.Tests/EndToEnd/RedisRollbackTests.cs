using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using CouponEvent.Data.Model;
using CouponEvent.Data.Redis;
using CouponEvent.ServiceDefaults;
using CouponEvent.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Hosting;
using StackExchange.Redis;

namespace CouponEvent.Tests.EndToEnd;

/// <summary>A Redis that comes back having lost its last writes decides nothing until it is reconciled with MySQL.</summary>
[Collection("stack")]
public sealed class RedisRollbackTests(StackFixture stack)
{
    [Fact]
    public async Task A_rolled_back_Redis_admits_nobody_until_recovery_has_put_its_lost_winners_back()
    {
        var eventId = await stack.CreateEventAsync(quantity: 10);
        await ApplyAllAsync(eventId, 1, 5, HttpStatusCode.Accepted);
        string snapshot;
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{stack.RedisConnectionString},allowAdmin=true"))
            snapshot = await stack.Resources.SnapshotRedisAsync(admin);
        await ApplyAllAsync(eventId, 6, 8, HttpStatusCode.Accepted);
        await stack.Database.WaitForCouponsAsync(eventId, expected: 8);

        // The crash: Redis is back a moment later, without users 6 to 8 and with their slots open.
        await stack.Resources.RollBackRedisAsync(snapshot);

        // The very first answers, before ApplyApi's keeper can act (it waits 6 s): a lost winner and a newcomer decide nothing.
        Assert.Equal(ProblemTypes.EventRecovering.Uri, await FirstDecisionAsync(eventId, 6));
        Assert.Equal(ProblemTypes.EventRecovering.Uri, await FirstDecisionAsync(eventId, 9));

        // Once recovered: the lost winners are winners again, and only the two slots really left are given.
        var race = await stack.Applicants.RaceUntilAnsweredAsync(stack.ApplyApi, eventId, Enumerable.Range(1, 20).Select(i => (long)i).ToList());
        Assert.Equal(Enumerable.Range(1, 8).Select(i => HttpStatusCode.Conflict), Enumerable.Range(1, 8).Select(i => race.Answers[i]));
        Assert.Equal(2, race.Count(HttpStatusCode.Accepted));
        Assert.Equal(10, race.Count(HttpStatusCode.Gone));
        Assert.Equal(10, (await stack.Database.WaitForCouponsAsync(eventId, expected: 10)).Count);

        // Reconciliation says what happened and what recovery did about it.
        JsonElement[]? reports = null;
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                reports = await stack.ApplyApi.GetFromJsonAsync<JsonElement[]>($"/api/admin/reconciliation?eventId={eventId}");
                return reports is [var report] && report.GetProperty("status").GetString() == ReconciliationReport.Ok
                       && report.GetProperty("recoveryCause").GetString() == RecoveryCauses.ServerChanged
                       && report.GetProperty("recoveryRestored").GetInt64() == 3;
            });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No matching reconciliation report: {JsonSerializer.Serialize(reports)}");
        }
    }

    [Fact]
    public async Task With_replica_acknowledgements_required_an_admission_no_replica_holds_is_not_promised()
    {
        await using var factory = new ApplyApiFactory(stack, web => web
            .UseSetting("Admission:ReplicaAcks", "1")
            .UseSetting("Admission:ReplicaTimeout", "00:00:01"));
        using var client = factory.CreateClient();
        var eventId = await stack.CreateEventAsync(quantity: 5);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(stack.RedisConnectionString);

        using (var alone = await stack.Applicants.ApplyAsync(client, eventId, 1))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, alone.StatusCode);
            Assert.False(await connection.GetDatabase().HashExistsAsync(EventKeys.Winners(eventId), 1), "the unacknowledged slot was kept");
        }

        using (await StartReplicaAsync())
        {
            using var replicated = await stack.Applicants.ApplyAsync(client, eventId, 1);
            Assert.True(replicated.StatusCode == HttpStatusCode.Accepted, await replicated.Content.ReadAsStringAsync());
        }
        Assert.Equal([1L], await stack.Database.WaitForCouponsAsync(eventId, expected: 1));
    }

    private async Task ApplyAllAsync(string eventId, int first, int last, HttpStatusCode expected)
    {
        for (var user = first; user <= last; user++)
        {
            using var response = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, user);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    /// <summary>
    /// The problem type of the first answer that Redis decided: a 503 <c>service-unavailable</c> means the connection was
    /// still coming back, and is asked again.
    /// </summary>
    private async Task<string?> FirstDecisionAsync(string eventId, long userId) =>
        await Eventually.ReturnsAsync(async () =>
        {
            using var response = await stack.Applicants.ApplyAsync(stack.ApplyApi, eventId, userId);
            return response.StatusCode == HttpStatusCode.Accepted ? "accepted"
                : (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString();
        }, type => type != ProblemTypes.ServiceUnavailable.Uri, TimeSpan.FromSeconds(10));

    /// <summary>A redis-server replicating the stack's, once its link is up; killed, and its folder removed, on dispose.</summary>
    private async Task<Replica> StartReplicaAsync()
    {
        var master = stack.RedisConnectionString.Split(':');
        using var probe = new TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var directory = Directory.CreateTempSubdirectory("couponevent-replica-").FullName;
        var replica = new Replica(Process.Start(new ProcessStartInfo(stack.Resources.Redis.Command,
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no",
             "--replicaof", master[0], master[1]]) { RedirectStandardOutput = true })!, directory);
        replica.Process.BeginOutputReadLine();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},allowAdmin=true,abortConnect=false");
        await Eventually.HoldsAsync(async () =>
            connection.IsConnected && (await connection.GetServers()[0].InfoAsync("replication"))
                .SelectMany(g => g).Any(p => p.Key == "master_link_status" && p.Value == "up"));
        return replica;
    }

    private sealed record Replica(Process Process, string Directory) : IDisposable
    {
        public void Dispose()
        {
            Process.Kill();
            Process.WaitForExit();
            Process.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
