using CouponEvent.AppHost.Hosting;
using CouponEvent.AppHost.Local;

namespace CouponEvent.Tests.Unit;

public sealed class AppHostTests
{
    [Fact]
    public void Replicas_and_folders_come_from_the_command_line()
    {
        var parsed = AppHostRunner.Parse(["--replicas", "consumer=3", "--replicas", "retryjob=2", "--data-dir", "/tmp/x", "--otlp-endpoint", "http://localhost:4318"]);

        Assert.NotNull(parsed);
        var (options, replicas) = parsed.Value;
        Assert.Equal(new Dictionary<string, int> { ["consumer"] = 3, ["retryjob"] = 2 }, replicas);
        Assert.Equal("/tmp/x", options.DataRoot);
        Assert.Equal("http://localhost:4318", options.OtlpEndpoint);
    }

    [Fact]
    public void Mode_and_fixed_ports_come_from_the_command_line()
    {
        var (options, _) = AppHostRunner.Parse(["--mode", "external", "--port", "applyapi=5000"])!.Value;

        Assert.Equal(InfrastructureMode.External, options.Mode);
        Assert.Equal(5000, options.Ports["applyapi"]);
    }

    [Fact]
    public void The_dashboard_is_on_port_18888_unless_moved_or_turned_off()
    {
        Assert.Equal(18888, AppHostRunner.Parse([])!.Value.Options.DashboardPort);
        Assert.Equal(0, AppHostRunner.Parse(["--dashboard-port", "0"])!.Value.Options.DashboardPort);
        Assert.Null(AppHostRunner.Parse(["--no-dashboard"])!.Value.Options.DashboardPort);
    }

    [Fact]
    public void Without_a_mode_it_is_containers_only_where_a_Docker_engine_answers()
    {
        var (options, _) = AppHostRunner.Parse([])!.Value;
        Assert.Equal(DockerEngine.IsReachable() ? InfrastructureMode.Containers : InfrastructureMode.Local, options.Mode);
    }

    [Fact]
    public void Settings_can_come_from_the_environment_and_the_command_line_wins()
    {
        Environment.SetEnvironmentVariable("AppHost__Replicas__consumer", "2");
        Environment.SetEnvironmentVariable("AppHost__Mode", "external");
        try
        {
            var (options, replicas) = AppHostRunner.Parse(["--mode", "local"])!.Value;
            Assert.Equal(2, replicas["consumer"]);
            Assert.Equal(InfrastructureMode.Local, options.Mode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AppHost__Replicas__consumer", null);
            Environment.SetEnvironmentVariable("AppHost__Mode", null);
        }
    }

    [Fact]
    public void Containers_mode_uses_Aspires_images_and_connection_string_formats()
    {
        Assert.StartsWith("docker.io/library/redis:", Containers.RedisImage);
        Assert.StartsWith("docker.io/confluentinc/confluent-local:", Containers.KafkaImage);
        Assert.StartsWith("docker.io/library/mysql:", Containers.MySqlImage);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspire-dashboard:", Containers.DashboardImage);
        Assert.Equal("localhost:32768", Containers.RedisConnectionString("localhost", 32768));
        Assert.Equal("Server=localhost;Port=32769;User ID=root;Password=pw;Database=coupondb",
            Containers.MySqlConnectionString("localhost", 32769, "pw", "coupondb"));
    }

    [Theory]
    [InlineData("--mode", "kubernetes")]
    [InlineData("--port", "applyapi=70000")]
    [InlineData("--replicas", "consumer")]
    [InlineData("--replicas", "consumer=0")]
    [InlineData("--frobnicate")]
    [InlineData("--data-dir")]
    [InlineData("--dashboard-port", "http")]
    public void A_bad_command_line_is_refused_with_exit_code_2(params string[] args)
    {
        try
        {
            Assert.Null(AppHostRunner.Parse(args));
            Assert.Equal(2, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0;
        }
    }

    [Fact]
    public void A_replica_count_for_an_unknown_service_is_an_error()
    {
        var builder = new DistributedApplicationBuilder(new AppHostOptions()) { Replicas = { ["nosuch"] = 2 } };
        builder.AddProject("consumer", Projects.CouponEvent_Consumer);

        Assert.Contains("nosuch", Assert.Throws<ArgumentException>(builder.Build).Message);
    }

    [Fact]
    public void A_missing_server_binary_names_the_package_that_installs_it()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Executables.Find("no-such-server-binary", "some-package"));
        Assert.Contains("apt-get install -y some-package", error.Message);
    }
}
