namespace CouponEvent.Tests.Infrastructure;

/// <summary>The fault suites' table, one row per scenario, in the test output folder; test.sh prints it at the end.</summary>
public static class FaultTable
{
    public static readonly string Path = System.IO.Path.Combine(AppContext.BaseDirectory, "fault-injection.md");

    private static readonly Lock Writing = new();

    public static void Append(string row)
    {
        lock (Writing)
        {
            if (!File.Exists(Path))
            {
                File.WriteAllText(Path,
                    "| scenario | users / coupons | requests | 202 | 409 | 410 | 503 | no answer | coupons in MySQL | duplicates | lost 202s | rows without 202 | over-issue | refused over quantity | messages Kafka lost (reported) | issued from Redis |\n" +
                    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            }
            File.AppendAllText(Path, row + "\n");
        }
    }
}
