using CouponEvent.AppHost;
using CouponEvent.AppHost.Hosting;
using CouponEvent.Data.Messages;
using CouponEvent.Tests.Infrastructure;

// GetArgumentValuesAsync and GetEnvironmentVariableValuesAsync read a model without running it, which is what these tests want.
#pragma warning disable CS0618

namespace CouponEvent.Tests.Unit;

/// <summary>
/// The AppHost's model in each mode, built but not started (containers mode cannot run here: no Docker engine):
/// the resources, their images, environment and connection strings.
/// </summary>
public sealed class AppHostTests
{
    private static async Task<IDistributedApplicationTestingBuilder> ModelAsync(params string[] args) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.CouponEvent_AppHost>(args);

    private static T Single<T>(IDistributedApplicationTestingBuilder builder, string name) where T : IResource =>
        builder.Resources.OfType<T>().Single(r => r.Name == name);

    [Fact]
    public async Task Local_mode_runs_the_machines_servers_with_AOF_and_noeviction_and_librdkafkas_mock_broker()
    {
        await using var builder = await ModelAsync("--AppHost:Mode=local");

        var redis = Single<RedisServerResource>(builder, "redis");
        var args = await redis.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
        Assert.Contains("--appendonly", args);
        Assert.Equal("noeviction", args.SkipWhile(a => a != "--maxmemory-policy").Skip(1).First());
        Assert.EndsWith("redis-server", redis.Command);
        Assert.EndsWith("mariadbd", Single<MariaDbServerResource>(builder, "mysql").Command);
        Assert.Contains(builder.Resources, r => r.Name == "mysql-init");
        Assert.Equal("coupondb", Single<MySqlDatabaseResource>(builder, "coupondb").DatabaseName);
        Assert.Contains(builder.Resources.OfType<ProjectResource>(), p => p.Name == "kafka-mock");
        var topics = Single<ConnectionStringResource>(builder, "kafka").Annotations.OfType<KafkaTopicAnnotation>();
        Assert.Equal([new(Topics.CouponCreate, Topics.CouponCreatePartitions, Topics.CouponConsumerGroup), new(Topics.CouponCreateDeadLetter, 1)], topics);
    }

    [Fact]
    public async Task The_cluster_topology_runs_six_redis_nodes_joined_into_a_cluster_three_kafka_brokers_and_service_replicas()
    {
        await using var builder = await ModelAsync("--AppHost:Mode=local", "--AppHost:Topology=cluster");

        var nodes = builder.Resources.OfType<RedisServerResource>().OrderBy(r => r.Name).ToList();
        Assert.Equal(["redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6"], nodes.Select(n => n.Name));
        foreach (var node in nodes)
        {
            var args = await node.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
            Assert.Equal("yes", args.SkipWhile(a => a != "--cluster-enabled").Skip(1).First());
            Assert.Equal("no", args.SkipWhile(a => a != "--cluster-require-full-coverage").Skip(1).First());
            Assert.Contains("--cluster-port", args);
        }
        // Created once every node answers, with a replica per primary; the services wait on the cluster's state.
        var create = Single<ExecutableResource>(builder, "redis-create");
        Assert.EndsWith("redis-cli", create.Command);
        var createArgs = await create.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
        Assert.Equal(["--cluster", "create"], createArgs.Take(2));
        Assert.Equal(["--cluster-replicas", "1", "--cluster-yes"], createArgs.TakeLast(3));
        Assert.Equal(nodes.Select(n => n.Name).Order(), create.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order());
        var redis = Single<ConnectionStringResource>(builder, "redis");
        Assert.Equal(string.Join(",", nodes.Select(n => $"127.0.0.1:{{{n.Name}.bindings.tcp.port}}")), redis.ConnectionStringExpression.ValueExpression);
        Assert.Contains(redis.Annotations.OfType<HealthCheckAnnotation>(), h => h.Key == "redis_cluster_check");

        var mock = await Single<ProjectResource>(builder, "kafka-mock").GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        Assert.Equal("3", mock["KafkaMock__Brokers"]);
        foreach (var (service, replicas) in new[] { ("applyapi", 2), ("consumer", 3), ("retryjob", 2) })
            Assert.Equal(replicas, Single<ProjectResource>(builder, service).Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
    }

    [Fact]
    public async Task The_cluster_topology_in_containers_mode_says_where_to_run_it_instead()
    {
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => ModelAsync("--AppHost:Mode=containers", "--AppHost:Topology=cluster"));
        Assert.Contains("local mode", error.Message);
        Assert.Contains("external mode", error.Message);
    }

    [Fact]
    public async Task Containers_mode_uses_Aspires_Redis_and_Kafka_and_MySQL_images_with_volumes()
    {
        await using var builder = await ModelAsync("--AppHost:Mode=containers");

        Assert.IsType<Aspire.Hosting.ApplicationModel.RedisResource>(builder.Resources.Single(r => r.Name == "redis"));
        var kafka = Single<KafkaServerResource>(builder, "kafka");
        Assert.True(kafka.TryGetContainerImageName(out var kafkaImage));
        Assert.Equal($"docker.io/{KafkaBuilderExtensions.KafkaImage}:{KafkaBuilderExtensions.KafkaTag}", kafkaImage);
        var kafkaEnv = await kafka.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        Assert.Contains("PLAINTEXT_HOST://0.0.0.0:9092", kafkaEnv["KAFKA_LISTENERS"]);
        Assert.Contains(kafka.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/var/lib/kafka/data");

        var mysql = Single<MySqlServerResource>(builder, "mysql");
        Assert.True(mysql.TryGetContainerImageName(out var mysqlImage));
        Assert.StartsWith("docker.io/library/mysql:", mysqlImage);
        Assert.Contains(mysql.Annotations.OfType<ContainerMountAnnotation>(), m => m.Target == "/var/lib/mysql");
        Assert.Equal("{mysql.connectionString};Database=coupondb", Single<MySqlDatabaseResource>(builder, "coupondb").ConnectionStringExpression.ValueExpression);

        var applyApi = await Single<ProjectResource>(builder, "applyapi").GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        Assert.Equal("{redis.connectionString}", applyApi["ConnectionStrings__redis"]);
        Assert.Equal("{kafka.connectionString}", applyApi["ConnectionStrings__kafka"]);
        Assert.Equal("{coupondb.connectionString}", applyApi["ConnectionStrings__coupondb"]);
    }

    [Fact]
    public async Task Aspires_manifest_publisher_writes_containers_modes_deployment_model()
    {
        var output = Directory.CreateTempSubdirectory("ce-manifest-").FullName;
        try
        {
            // As a deployment tool asks for it: the AppHost in publish mode, no Docker engine needed.
            var apphost = Path.Combine(Readme.Root, "CouponEvent.AppHost");
            using var publish = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet",
                ["run", "--no-build", "--project", apphost, "--", "--publisher", "manifest", "--output-path", Path.Combine(output, "manifest.json"), "--AppHost:Mode=containers"])
                { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var log = await publish.StandardOutput.ReadToEndAsync() + await publish.StandardError.ReadToEndAsync();
            await publish.WaitForExitAsync();
            Assert.True(publish.ExitCode == 0, log);

            var resources = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "manifest.json"))).RootElement.GetProperty("resources");
            string Text(string resource, string property) => resources.GetProperty(resource).GetProperty(property).ToString();
            // Redis keeps every admission (AOF) and never evicts one: in the server's own command line, not the shell's.
            var redisCommand = resources.GetProperty("redis").GetProperty("args").EnumerateArray().SkipWhile(a => a.GetString() != "-c").Skip(1).First().GetString();
            Assert.Contains("--appendonly yes", redisCommand);
            Assert.Contains("--maxmemory-policy noeviction", redisCommand);
            Assert.Contains("\"/data\"", Text("redis", "volumes"));
            Assert.Equal($"docker.io/{KafkaBuilderExtensions.KafkaImage}:{KafkaBuilderExtensions.KafkaTag}", Text("kafka", "image"));
            Assert.Contains("\"/var/lib/mysql\"", Text("mysql", "volumes"));
            Assert.Equal("{mysql.connectionString};Database=coupondb", Text("coupondb", "connectionString"));
            foreach (var service in new[] { "applyapi", "consumer", "retryjob" })
            {
                Assert.Equal("project.v0", Text(service, "type"));
                Assert.Equal("{redis.connectionString}", resources.GetProperty(service).GetProperty("env").GetProperty("ConnectionStrings__redis").GetString());
            }
            Assert.Equal("{kafka.connectionString}", resources.GetProperty("consumer").GetProperty("env").GetProperty("ConnectionStrings__kafka").GetString());
            // Secrets are parameters the deployment supplies, never values in the file.
            Assert.True(resources.GetProperty("admin-client-secret").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
            Assert.Equal("{admin-client-secret.value}", resources.GetProperty("identity").GetProperty("env").GetProperty("Issuer__AdminClientSecret").GetString());
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task External_mode_takes_the_three_connection_strings_from_configuration()
    {
        await using var builder = await ModelAsync("--AppHost:Mode=external",
            "--ConnectionStrings:redis=redis.example:6379", "--ConnectionStrings:kafka=kafka.example:9092", "--ConnectionStrings:coupondb=Server=db.example");

        foreach (var (name, value) in new[] { ("redis", "redis.example:6379"), ("kafka", "kafka.example:9092"), ("coupondb", "Server=db.example") })
        {
            var resource = builder.Resources.OfType<IResourceWithConnectionString>().Single(r => r.Name == name);
            Assert.Equal(value, await resource.ConnectionStringExpression.GetValueAsync(default));
        }
        Assert.DoesNotContain(builder.Resources, r => r is RedisServerResource or MariaDbServerResource or ContainerResource || r.Name == "kafka-mock");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_services_are_configured_to_export_telemetry_only_when_there_is_a_dashboard_and_otherwise_to_make_none(bool dashboard)
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.CouponEvent_AppHost>(
            ["--AppHost:Mode=external", "--ConnectionStrings:redis=r:6379", "--ConnectionStrings:kafka=k:9092", "--ConnectionStrings:coupondb=Server=d"],
            (options, _) => options.DisableDashboard = !dashboard);
        await using var app = await builder.BuildAsync();

        foreach (var service in new[] { "applyapi", "consumer", "retryjob", "raceview" })
        {
            var environment = await Single<ProjectResource>(builder, service).GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Run);
            Assert.Equal(dashboard, environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"));
            // Without a dashboard the SDK makes no telemetry at all (OpenTelemetry's switch for every signal).
            Assert.Equal(dashboard ? null : "true", environment.GetValueOrDefault("OTEL_SDK_DISABLED"));
            Assert.True(environment.ContainsKey("OTEL_SERVICE_NAME"), service);
        }
    }

    [Theory]
    [InlineData("--AppHost:Mode=kubernetes", "AppHost:Mode")]
    [InlineData("--AppHost:Replicas:consumer=0", "AppHost:Replicas:consumer")]
    [InlineData("--AppHost:Topology=mesh", "AppHost:Topology")]
    public async Task A_bad_setting_is_refused_with_its_name(string arg, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ModelAsync("--AppHost:Mode=external", arg));
        Assert.Contains(named, error.ToString());
    }

    [Fact]
    public void A_missing_server_binary_names_the_package_that_installs_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Executables.Find("no-such-server-binary", "some-package"));
        Assert.Contains("apt-get install -y some-package", error.Message);
    }
}
