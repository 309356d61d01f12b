using CouponEvent.AppHost;
using CouponEvent.Data;
using CouponEvent.Data.Messages;

// --AppHost:Dashboard=false: no dashboard, so no telemetry exported (what the benchmark measures).
var dashboard = AppHostSettings.DashboardEnabled(args);
var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, DisableDashboard = !dashboard });
if (dashboard) builder.EnsureDashboardPortsAreFree();

// Redis, Kafka and MySQL: private servers (local, the default without Docker), containers, or external servers.
var (redis, kafka, coupondb) = builder.AddInfrastructure(databaseName: ConnectionNames.CouponDb);
// Six partitions: local mode's mock broker keeps only the last 5 MiB of each and scans its log on every fetch (bench/README.md).
kafka.WithTopic(Topics.CouponCreate, Topics.CouponCreatePartitions, Topics.CouponConsumerGroup, Topics.CouponCreateDeadLetter);

// The local stack's OpenID Connect issuer: operators' tokens by client credentials (the secret below).
var adminClientSecret = builder.AddParameter("admin-client-secret", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);
// It is the stack's development issuer whatever the services' environment (bench runs them in Production): its
// applicant grant, which mints a token for any subject, exists only in Development.
var identity = builder.AddService<Projects.CouponEvent_Identity>("identity")
    .WithEnvironment("Issuer__AdminClientSecret", adminClientSecret)
    .WithEnvironment("DOTNET_ENVIRONMENT", "Development");
identity.WithEnvironment("Issuer__Url", identity.GetEndpoint("http"));

var applyapi = builder.AddService<Projects.CouponEvent_ApplyApi>("applyapi")
    .WithReference(redis).WaitFor(redis)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(coupondb).WaitFor(coupondb)
    .WithTokenIssuer(identity)
    // Every local client is 127.0.0.1: a per-client limit would throttle load tests, not users.
    .WithEnvironment("RateLimit__PermitsPerSecond", "0")
    .WithCourseRaceCommand(identity, adminClientSecret);

builder.AddService<Projects.CouponEvent_Consumer>("consumer")
    // Redis only to announce the statuses it changes: not waited for.
    .WithReference(redis)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(coupondb).WaitFor(coupondb);

builder.AddService<Projects.CouponEvent_RetryJob>("retryjob")
    .WithReference(redis).WaitFor(redis)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(coupondb).WaitFor(coupondb);

// The race, per event and per second: what Aspire's dashboard has no page for.
builder.AddService<Projects.CouponEvent_RaceView>("raceview")
    .WithReference(redis).WaitFor(redis)
    .WithTokenIssuer(identity)
    .WithReference(coupondb).WaitFor(applyapi)
    .WithUrlForEndpoint("http", url => url.DisplayText = "Race view");

builder.Build().Run();
