using System.Diagnostics;
using OpenTelemetry;

namespace CouponEvent.ServiceDefaults;

/// <summary>
/// Keeps MySQL spans only inside an operation (a request, a consumed batch, a retry). The services' background polls
/// (known events, failed events, reconciliation) query MySQL every second outside any: each would be a one-span trace,
/// and together they would push the applications' traces out of any bounded window. Unrecorded spans are not exported.
/// Decided when the span starts, so that the spans it starts in turn (MySqlConnector's "Open") are not recorded either:
/// decided at its end, they would be exported as traces of their own, without their parent. The same for any span
/// under a span that is not exported, such as the health checks' queries under a filtered <c>/health</c> request
/// (ASP.NET Core's instrumentation stops collecting it but leaves it sampled).
/// </summary>
internal sealed class BackgroundQueryFilter : BaseProcessor<Activity>
{
    public override void OnStart(Activity activity)
    {
        var background = activity.Parent is { } parent
            ? !parent.Recorded || !parent.IsAllDataRequested
            : activity.Source.Name == "MySqlConnector" && activity.ParentSpanId == default;
        if (background)
        {
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            activity.IsAllDataRequested = false;
        }
    }
}
