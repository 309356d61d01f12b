namespace CouponEvent.Tests.Infrastructure;

/// <summary>Waits on observable state: polls until a condition holds, never for a fixed time.</summary>
public static class Eventually
{
    /// <summary>Polls until the condition holds; throws when it has not within the timeout (60 s by default).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null) =>
        await ReturnsAsync(condition, held => held, timeout);

    /// <summary>
    /// Tries until an attempt's value is <paramref name="done"/>, and returns that value; throws when none was within
    /// the timeout (60 s by default).
    /// </summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> attempt, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var value = await attempt();
            if (done(value)) return value;
            if (value is IDisposable disposable) disposable.Dispose();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No attempt succeeded within {limit.TotalSeconds:F0} s; the last gave {value}.");
            await Task.Delay(20);
        }
    }
}
