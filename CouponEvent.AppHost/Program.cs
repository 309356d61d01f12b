using CouponEvent.AppHost.Hosting;
using CouponEvent.Data.Messages;

if (AppHostRunner.Parse(args) is not var (options, replicas)) return;
var builder = new DistributedApplicationBuilder(options) { Replicas = replicas };

var redis = builder.AddRedis("redis");
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
