namespace CouponEvent.Tests.Infrastructure;

public static class Eventually
{
    /// <summary>Polls until the condition holds; throws when it has not within the timeout (60 s by default).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The condition did not hold within {limit.TotalSeconds:F0} s.");
            await Task.Delay(20);
        }
    }
}
