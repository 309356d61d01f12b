using System.Diagnostics;
using System.Text;
using System.Text.Json;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// A problem answer serialized once, for the answers a burst repeats by the thousand (sold out, already applied):
/// each request writes the same bytes around its own trace id, the bytes ASP.NET Core's problem details writer writes
/// (serialized with the app's JSON options; a test holds the two to the same bytes), without serializing again.
/// </summary>
public sealed class ProblemBody(ProblemDetails problem)
{
    private const string ContentType = "application/problem+json";
    private const string TraceIdSlot = "trace-id-goes-here";
    // One reference, so that a request racing the first serialization sees either nothing or both halves.
    private Serialized? _bytes;

    private sealed record Serialized(byte[] Head, byte[] Tail);

    public ProblemDetails Problem => problem;

    public Task WriteAsync(HttpContext context)
    {
        var (head, tail) = _bytes ??= Serialize(context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions);
        // The id ASP.NET Core's writer puts in every problem: the request's activity, else the request's id.
        var traceId = Activity.Current?.Id ?? context.TraceIdentifier;
        var length = head.Length + Encoding.UTF8.GetByteCount(traceId) + tail.Length;
        var response = context.Response;
        response.StatusCode = problem.Status!.Value;
        response.ContentType = ContentType;
        response.ContentLength = length;
        var span = response.BodyWriter.GetSpan(length);
        head.CopyTo(span);
        var written = head.Length + Encoding.UTF8.GetBytes(traceId, span[head.Length..]);
        tail.CopyTo(span[written..]);
        response.BodyWriter.Advance(length);
        return response.BodyWriter.FlushAsync().AsTask();
    }

    private Serialized Serialize(JsonSerializerOptions options)
    {
        var copy = new ProblemDetails
        {
            Type = problem.Type,
            Title = problem.Title,
            Status = problem.Status,
            Detail = problem.Detail,
            Instance = problem.Instance,
            Extensions = new Dictionary<string, object?>(problem.Extensions) { ["traceId"] = TraceIdSlot },
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(copy, options.GetTypeInfo(typeof(ProblemDetails)));
        var slot = json.AsSpan().IndexOf(Encoding.UTF8.GetBytes(TraceIdSlot));
        return new Serialized(json[..slot], json[(slot + TraceIdSlot.Length)..]);
    }
}
