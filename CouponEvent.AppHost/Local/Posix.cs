using System.Runtime.InteropServices;

namespace CouponEvent.AppHost.Local;

internal static partial class Posix
{
    public const int SIGTERM = 15;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);
}
