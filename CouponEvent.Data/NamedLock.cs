using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace CouponEvent.Data;

/// <summary>MySQL's named locks (<c>GET_LOCK</c>): one replica at a time for work that must not run twice at once.</summary>
public static class NamedLock
{
    /// <summary>
    /// Runs <paramref name="work"/> holding the lock <paramref name="name"/>, on the context's connection (kept open
    /// meanwhile: the lock belongs to the session).
    /// </summary>
    /// <returns>False, without running it, when another session held the lock for <paramref name="wait"/>.</returns>
    public static async Task<bool> RunAsync(DatabaseFacade db, string name, TimeSpan wait, Func<Task> work, CancellationToken cancellationToken)
    {
        await db.OpenConnectionAsync(cancellationToken);
        try
        {
            var seconds = (int)wait.TotalSeconds;
            if (await db.SqlQuery<long?>($"SELECT GET_LOCK({name}, {seconds}) AS `Value`").SingleAsync(cancellationToken) != 1) return false;
            try
            {
                await work();
                return true;
            }
            finally
            {
                await db.ExecuteSqlAsync($"DO RELEASE_LOCK({name})", CancellationToken.None);
            }
        }
        finally
        {
            await db.CloseConnectionAsync();
        }
    }
}
