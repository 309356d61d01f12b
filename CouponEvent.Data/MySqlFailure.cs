using System.Net.Sockets;
using MySqlConnector;

namespace CouponEvent.Data;

/// <summary>
/// MySQL failed a call: what a loop catches to try again later, and a read endpoint answers with 503.
/// </summary>
public static class MySqlFailure
{
    /// <summary>
    /// A server error or a refused connection (<see cref="MySqlException"/>), but also a connection lost mid-reply: a
    /// server that stops closes its sockets, and MySqlConnector then throws <see cref="MySqlEndOfStreamException"/>,
    /// an <see cref="IOException"/> that is not a MySqlException (a catch of MySqlException alone let it stop the
    /// Consumer's host), or a socket error or a timeout; directly or wrapped (EF Core wraps them).
    /// </summary>
    public static bool Is(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is MySqlException or IOException or SocketException or TimeoutException) return true;
        }
        return false;
    }
}
