using System.Text.Json;
using CouponEvent.ApplyApi.Model;
using Microsoft.AspNetCore.Mvc;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Reads an application body by hand, on the hot path: no more than a small limit is ever buffered, nothing throws
/// for a well-formed body, and every way a body can be wrong gets a problem that says how.
/// </summary>
internal static class ApplyRequestReader
{
    public const int MaxBodyBytes = 1024;

    public static async Task<(ApplyRequest? Request, ProblemDetails? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType()) return (null, Problems.NotJson());
        if (request.ContentLength > MaxBodyBytes) return (null, Problems.BodyTooLarge(MaxBodyBytes));

        var read = await request.BodyReader.ReadAtLeastAsync(MaxBodyBytes + 1, cancellationToken);
        try
        {
            if (read.Buffer.Length > MaxBodyBytes) return (null, Problems.BodyTooLarge(MaxBodyBytes));
            if (read.Buffer.IsEmpty) return (null, Problems.InvalidBody("The body is empty: send {\"userId\": <positive integer>}."));

            var reader = new Utf8JsonReader(read.Buffer);
            var body = JsonSerializer.Deserialize(ref reader, ApiJsonContext.Default.ApplyRequest);
            return body switch
            {
                null => (null, Problems.InvalidBody("The body must be a JSON object: {\"userId\": <positive integer>}.")),
                { UserId: <= 0 } => (null, Problems.InvalidBody("userId must be a positive 64-bit integer.")),
                _ => (body, null),
            };
        }
        catch (JsonException ex)
        {
            return (null, Problems.InvalidBody($"The body is not a valid application: {ex.Message}"));
        }
        finally
        {
            request.BodyReader.AdvanceTo(read.Buffer.End);
        }
    }
}
