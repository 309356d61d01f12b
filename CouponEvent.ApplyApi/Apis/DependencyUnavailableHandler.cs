using Microsoft.AspNetCore.Diagnostics;
using MySqlConnector;
using StackExchange.Redis;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>Redis or MySQL away during a read: 503 problem details, not a 500.</summary>
internal sealed class DependencyUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var dependency = exception switch
        {
            _ when RedisClientDefaults.IsUnavailable(exception) => "Redis",
            MySqlException or { InnerException: MySqlException } => "MySQL",
            _ => null,
        };
        if (dependency is null) return false;

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = Problems.Unavailable(dependency),
            Exception = exception,
        });
    }
}
