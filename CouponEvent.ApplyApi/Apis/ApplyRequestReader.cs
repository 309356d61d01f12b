using System.Text.Json;
using CouponEvent.ApplyApi.Model;

namespace CouponEvent.ApplyApi.Apis;

/// <summary>
/// Reads an application body by hand, so that every way it can be wrong gets a problem that says how
/// (parameter binding would answer a bare 400), and no more than a small limit is ever buffered.
/// </summary>
internal static class ApplyRequestReader
{
    public const int MaxBodyBytes = 1024;

    public static async Task<(ApplyRequest? Request, string? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType()) return (null, "Content-Type must be application/json.");
        if (request.ContentLength > MaxBodyBytes) return (null, $"The body must not exceed {MaxBodyBytes} bytes.");

        var read = await request.BodyReader.ReadAtLeastAsync(MaxBodyBytes + 1, cancellationToken);
        try
        {
            if (read.Buffer.Length > MaxBodyBytes) return (null, $"The body must not exceed {MaxBodyBytes} bytes.");
            if (read.Buffer.IsEmpty) return (null, "The body is empty: send {\"userId\": <positive integer>}.");

            var reader = new Utf8JsonReader(read.Buffer);
            var body = JsonSerializer.Deserialize(ref reader, ApiJsonContext.Default.ApplyRequest);
            return body switch
            {
                null => (null, "The body must be a JSON object: {\"userId\": <positive integer>}."),
                { UserId: <= 0 } => (null, "userId must be a positive 64-bit integer."),
                _ => (body, null),
            };
        }
        catch (JsonException ex)
        {
            return (null, $"The body is not a valid application: {ex.Message}");
        }
        finally
        {
            request.BodyReader.AdvanceTo(read.Buffer.End);
        }
    }
}
