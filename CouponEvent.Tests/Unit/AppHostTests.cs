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

    [Theory]
    [InlineData("--replicas", "consumer")]
    [InlineData("--replicas", "consumer=0")]
    [InlineData("--frobnicate")]
    [InlineData("--data-dir")]
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
