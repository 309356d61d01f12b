using CouponEvent.AppHost.Hosting;
using CouponEvent.Data.Messages;

if (AppHostRunner.Parse(args) is not var (options, replicas)) return;
var builder = new DistributedApplicationBuilder(options) { Replicas = replicas };

var redis = builder.AddRedis("redis");
// Local mode's mock broker keeps only the last 5 MiB of each partition, and scans a partition's whole log on every
// fetch: more partitions hold a longer backlog but cost more per fetch (bench/README.md). Six hold ~30 MiB.
var kafka = builder.AddKafka("kafka").WithTopic(Topics.CouponCreate, partitions: 6);
var coupondb = builder.AddMySql("mysql").AddDatabase("coupondb");

builder.AddProject("applyapi", Projects.CouponEvent_ApplyApi)
    .WithReference(redis).WaitFor(redis)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(coupondb).WaitFor(coupondb)
    .WithEnvironment("Admin__ApiKey", options.AdminApiKey)
    // Every local client is 127.0.0.1: a per-client limit would throttle load tests, not users.
    .WithEnvironment("RateLimit__PermitsPerSecond", "0");

builder.AddProject("consumer", Projects.CouponEvent_Consumer)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(coupondb).WaitFor(coupondb);

builder.AddProject("retryjob", Projects.CouponEvent_RetryJob)
    .WithReference(redis).WaitFor(redis)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(coupondb).WaitFor(coupondb);

await AppHostRunner.RunAsync(builder.Build());
