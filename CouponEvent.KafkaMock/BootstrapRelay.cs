using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace CouponEvent.KafkaMock;

/// <summary>
/// librdkafka's mock cluster listens on ports of its own choosing, so clients bootstrap through this relay on the
/// port Aspire allocated. The metadata they receive names the brokers' own addresses, so only bootstrap
/// connections pass through here; produce and fetch traffic goes to the brokers directly.
/// </summary>
public sealed partial class BootstrapRelay(MockKafkaCluster cluster, IOptions<KafkaMockOptions> options, ILogger<BootstrapRelay> logger)
    : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var target = cluster.BootstrapServers.Split(',')[0];
        var colon = target.LastIndexOf(':');
        var (host, port) = (target[..colon], int.Parse(target[(colon + 1)..]));

        using var listener = new TcpListener(IPAddress.Loopback, options.Value.Port);
        listener.Start();
        _listening.TrySetResult();
        Log.Listening(logger, options.Value.Port, cluster.BootstrapServers);
        while (!stoppingToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            _ = RelayAsync(client, host, port, stoppingToken);
        }
    }

    private static async Task RelayAsync(TcpClient client, string host, int port, CancellationToken stoppingToken)
    {
        using (client)
        using (var broker = new TcpClient())
        {
            try
            {
                await broker.ConnectAsync(host, port, stoppingToken);
                var (fromClient, fromBroker) = (client.GetStream(), broker.GetStream());
                // Either side closing ends the pair, as a direct connection would end.
                await Task.WhenAny(fromClient.CopyToAsync(fromBroker, stoppingToken), fromBroker.CopyToAsync(fromClient, stoppingToken));
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                // A broker taken down, or a client gone: the client sees its connection close, as with Kafka.
            }
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_listening.Task.IsCompletedSuccessfully
            ? HealthCheckResult.Healthy($"Bootstrap {options.Value.Port} → {cluster.BootstrapServers}")
            : HealthCheckResult.Unhealthy("Not listening yet."));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Kafka (librdkafka's mock cluster) bootstraps on 127.0.0.1:{Port}; brokers at {Brokers}")]
        public static partial void Listening(ILogger logger, int port, string brokers);
    }
}
