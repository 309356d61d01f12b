using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Keeps MySQL spans only inside an operation (a request, a consumed batch, a retry). The services' background polls
/// (known events, failed events, reconciliation) query MySQL every second outside any: each would be a one-span trace,
/// and together they would push the applications' traces out of any bounded window. Unrecorded spans are not exported.
/// </summary>
internal sealed class BackgroundQueryFilter : BaseProcessor<Activity>
{
    public override void OnEnd(Activity activity)
    {
        if (activity.Source.Name == "MySqlConnector" && activity.ParentSpanId == default)
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
    }
}
