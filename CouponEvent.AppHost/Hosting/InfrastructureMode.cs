using System.Net.Sockets;
using System.Text;

namespace CouponEvent.AppHost.Hosting;

/// <summary>Where Redis, Kafka and MySQL come from.</summary>
public enum InfrastructureMode
{
    /// <summary>Private redis-server and mariadbd processes, and librdkafka's mock Kafka cluster in the AppHost.</summary>
    Local,
    /// <summary>The images Aspire uses, started with Testcontainers, plus the standalone Aspire dashboard.</summary>
    Containers,
    /// <summary>Servers that already run: <c>ConnectionStrings__redis</c>, <c>__kafka</c> and <c>__coupondb</c>.</summary>
    External,
}

public static class DockerEngine
{
    /// <summary>Whether a Docker engine answers on <c>DOCKER_HOST</c> or the default socket (decides the default mode).</summary>
    public static bool IsReachable()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (host is { Length: > 0 } && !host.StartsWith("unix://", StringComparison.Ordinal)) return true;
        var path = host is { Length: > 0 } ? host["unix://".Length..] : "/var/run/docker.sock";
        if (!File.Exists(path)) return false;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.ReceiveTimeout = 1000;
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send("GET /_ping HTTP/1.0\r\n\r\n"u8);
            var buffer = new byte[256];
            var read = socket.Receive(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).Contains("200 OK", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
