namespace Aspire.Hosting;

public static class RedisContainerBuilderExtensions
{
    /// <summary>
    /// Settings for the server in Aspire's Redis container. That container runs <c>/bin/sh -c "redis-server ..."</c>:
    /// arguments after the command string would be the shell's, never the server's, so they go into the string itself.
    /// </summary>
    public static IResourceBuilder<RedisResource> WithServerArgs(this IResourceBuilder<RedisResource> redis, params string[] args) =>
        redis.WithArgs(context =>
        {
            var command = context.Args.IndexOf("-c") + 1;
            if (command == 0 || command >= context.Args.Count || context.Args[command] is not string line)
                throw new InvalidOperationException("Aspire's Redis container no longer starts redis-server through /bin/sh -c: pass its arguments with WithArgs.");
            context.Args[command] = $"{line} {string.Join(' ', args)}";
        });
}
