using System.Text;
using CouponEvent.Data;

namespace CouponEvent.Tests.Infrastructure;

/// <summary>
/// One request that is wrong in one way, for the hardening tests.
/// </summary>
/// <param name="Kind">Which endpoint and which fault.</param>
/// <param name="Token">The bearer token sent, if any.</param>
/// <param name="Status">The one status it must get, or null for any 4xx.</param>
/// <param name="Field">What the problem must name (a key of its <c>errors</c>, or a word of its <c>detail</c>), when one field or parameter is at fault.</param>
public sealed record BadRequest(string Kind, HttpMethod Method, string Path, string? ContentType = null, byte[]? Body = null,
    string? Token = null, int? Status = null, string? Field = null)
{
    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, Path);
        if (Body is not null)
        {
            message.Content = new ByteArrayContent(Body);
            if (ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            // As curl does for a large body: a server that refuses it early answers before it is sent, instead of
            // closing a connection the client is still writing to.
            message.Headers.ExpectContinue = Body.Length > 1024;
        }
        if (Token is not null) message.Headers.TryAddWithoutValidation("Authorization", $"Bearer {Token}");
        return message;
    }

    public override string ToString() =>
        $"[{Kind}] {Method} {Path} token={(Token is null ? "none" : Token.Length > 12 ? Token[..12] + "…" : Token)} {ContentType} {Encoding.UTF8.GetString((Body ?? []).Take(80).ToArray())}";
}

/// <summary>Bad requests to every endpoint of ApplyApi, drawn from a seeded <see cref="Random"/>.</summary>
public static class BadRequests
{
    private static readonly string[] BadEventIds =
        ["DEFAULT", "dé", "a b", "a%2Fb", "-", new string('e', 65), "x\u200by", "ｄｅｆａｕｌｔ", "a_b", "😀", "a.b"];

    /// <summary>Apply bodies and the field each must be refused for: the body is empty or {}, the applicant is the token's subject.</summary>
    private static readonly (string Body, string? Field)[] ApplyBodies =
    [
        ("{\"userId\":7}", "userId"), ("{\"userId\":\"someone-else\"}", "userId"), ("{\"UserID\":1,\"x\":0}", "UserID"),
        ("{\"userid\":13}", "userid"), ("{\"USERID\":13}", "USERID"), ("{\"userId\":null}", "userId"), ("{\"admin\":true}", "admin"), ("{\"sub\":\"7\"}", "sub"),
        ("[]", null), ("null", null), ("\"\"", null), ("{\"userId\":1", null), ("{'userId':1}", null), ("userId=1", null),
        ("\u0000", null), ("{}{}", null), (" ", null),
    ];

    /// <summary>Event bodies, each wrong in one field (or not JSON at all), and that field.</summary>
    private static readonly (string Body, string Field)[] EventBodies =
    [
        ("""{"id":"ok-1","name":"n","quantity":1,"extra":1}""", "extra"),
        ("""{"ID":"ok-1","name":"n","quantity":1}""", "ID"),
        ("""{"id":"ok-1","name":"n","quantity":1,"id":"ok-2"}""", "id"),
        ("""{"id":"ok-1","Name":"n","quantity":1}""", "Name"),
        ("""{"id":"ok-1","name":"n","quantity":"1"}""", "quantity"),
        ("""{"id":"ok-1","name":"n","quantity":99999999999}""", "quantity"),
        ("""{"id":"ok-1","name":"n","quantity":0}""", "quantity"),
        ("""{"id":5,"name":"n","quantity":1}""", "id"),
        ("""{"name":"n","quantity":1}""", "id"),
        ("""{"id":"Bad Id","name":"n","quantity":1}""", "id"),
        ("""{"id":"ok-1","name":"","quantity":1}""", "name"),
        ("""{"id":"ok-1","name":"n","quantity":1,"opensAt":5}""", "opensAt"),
        ("""{"id":"ok-1","name":"n","quantity":1,"opensAt":"tomorrow"}""", "opensAt"),
        ("""{"id":"ok-1","name":"n","quantity":1,"opensAt":"2030-01-02T00:00:00Z","closesAt":"2030-01-01T00:00:00Z"}""", "closesAt"),
        ("""{"id":"ok-1","name":"n","quan""", "body"),
        ("""[]""", "body"),
        ("null", "body"),
        ("", "body"),
    ];

    /// <summary>Not an applicant id (1 to 128 printable ASCII characters, no spaces), as a path segment.</summary>
    private static readonly string[] BadUserIds = ["a%20b", "%C3%A9", new string('u', 129), "%09", "x%7Fy"];
    private static readonly string[] BadFailedEventQueries =
        ["status=bogus", "status=1", "limit=abc", "limit=0", "limit=-1", "limit=5000", "eventId=Bad%20Id"];

    /// <summary>Every kind <see cref="Any"/> draws, in order.</summary>
    public static IReadOnlyList<string> Kinds { get; } =
    [
        "admin: no token", "admin: wrong token", "apply: body", "apply: content type", "apply: event id", "apply: missing event",
        "apply: no token", "apply: noise", "apply: not an applicant", "apply: oversized", "apply: wrong token", "create event: body", "create event: content type", "create event: oversized",
        "failed events: query", "get application: event id", "get application: user id", "get event: event id", "my application: no token",
        "reconciliation: query", "redrive: id", "redrive: missing", "routing: method", "routing: path",
    ];

    /// <param name="applicantToken">A valid token with the apply scope, so that only the one fault drawn is wrong.</param>
    public static BadRequest Any(Random random, string eventId, string adminToken, string applicantToken)
    {
        var key = adminToken;
        var json = "application/json";
        var badId = Uri.EscapeDataString(Pick(random, BadEventIds));
        switch (Pick(random, Kinds))
        {
            case "apply: body":
                var (body, field) = Pick(random, ApplyBodies);
                return new("apply: body", HttpMethod.Post, $"/api/events/{eventId}/applications", json, Encoding.UTF8.GetBytes(body), applicantToken, 400, field);
            case "apply: noise":
                var noise = new byte[random.Next(1, 200)];
                random.NextBytes(noise);
                return new("apply: noise", HttpMethod.Post, $"/api/events/{eventId}/applications", json, noise, applicantToken, 400);
            case "apply: content type":
                return new("apply: content type", HttpMethod.Post, $"/api/events/{eventId}/applications",
                    random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded", "{}"u8.ToArray(), applicantToken, 415);
            case "apply: oversized":
                return new("apply: oversized", HttpMethod.Post, $"/api/events/{eventId}/applications", json,
                    Encoding.UTF8.GetBytes("{" + new string(' ', random.Next(1100, 50_000)) + "}"), applicantToken, 413);
            case "apply: event id":
                return new("apply: event id", HttpMethod.Post, $"/api/events/{badId}/applications", Token: applicantToken,
                    Status: 400, Field: "eventId");
            case "apply: missing event":
                var missing = $"missing-{random.Next(1000)}";
                return new("apply: missing event", HttpMethod.Post, $"/api/events/{missing}/applications", Token: applicantToken,
                    Status: 404, Field: missing);
            case "apply: no token":
                return new("apply: no token", HttpMethod.Post, $"/api/events/{eventId}/applications", Status: 401);
            case "apply: wrong token":
                return new("apply: wrong token", HttpMethod.Post, $"/api/events/{eventId}/applications",
                    Token: Pick(random, WrongTokens(applicantToken)), Status: 401);
            case "apply: not an applicant":
                // A valid token, of the operators' client: it has no apply scope.
                return new("apply: not an applicant", HttpMethod.Post, $"/api/events/{eventId}/applications", Token: key, Status: 403);
            case "my application: no token":
                return new("my application: no token", HttpMethod.Get, $"/api/events/{eventId}/applications/me",
                    Token: random.Next(2) == 0 ? null : Pick(random, WrongTokens(applicantToken)), Status: 401);
            case "get application: event id":
                return new("get application: event id", HttpMethod.Get, $"/api/events/{badId}/applications/1", Token: key, Status: 400, Field: "eventId");
            case "get application: user id":
                return new("get application: user id", HttpMethod.Get, $"/api/events/{eventId}/applications/{Pick(random, BadUserIds)}",
                    Token: key, Status: 400, Field: "userId");
            case "get event: event id":
                return new("get event: event id", HttpMethod.Get, $"/api/events/{badId}", Status: 400, Field: "eventId");
            case "create event: body":
                var (eventBody, eventField) = Pick(random, EventBodies);
                return new("create event: body", HttpMethod.Post, "/api/events", json, Encoding.UTF8.GetBytes(eventBody), key, 400, eventField);
            case "create event: content type":
                return new("create event: content type", HttpMethod.Post, "/api/events", "text/plain",
                    """{"id":"ok-1","name":"n","quantity":1}"""u8.ToArray(), key, 415);
            case "create event: oversized":
                return new("create event: oversized", HttpMethod.Post, "/api/events", json,
                    Encoding.UTF8.GetBytes($$"""{"id":"ok-1","name":"{{new string('n', random.Next(4100, 50_000))}}","quantity":1}"""), key, 413);
            case "failed events: query":
                var query = Pick(random, BadFailedEventQueries);
                return new("failed events: query", HttpMethod.Get, $"/api/admin/failed-events?{query}", Token: key, Status: 400,
                    Field: query.Split('=')[0]);
            case "redrive: id":
                return new("redrive: id", HttpMethod.Post, $"/api/admin/failed-events/{Pick(random, new[] { "abc", "1.5", "1e3", "--1" })}/redrive",
                    Token: key, Status: 400, Field: "id");
            case "redrive: missing":
                return new("redrive: missing", HttpMethod.Post, $"/api/admin/failed-events/{Pick(random, new[] { "-1", "0", long.MaxValue.ToString() })}/redrive",
                    Token: key, Status: 404);
            case "reconciliation: query":
                return new("reconciliation: query", HttpMethod.Get, $"/api/admin/reconciliation?eventId={badId}", Token: key, Status: 400,
                    Field: "eventId");
            case "admin: no token":
            case "admin: wrong token":
                // The token is checked first: whatever the body or the parameters, 401 (a non-JSON Content-Type aside:
                // routing answers it with 415 from the header alone).
                var wrongKey = random.Next(2) == 0 ? null : Pick(random, WrongTokens(key));
                var kind = wrongKey is null ? "admin: no token" : "admin: wrong token";
                var admin = Pick(random, new BadRequest[]
                {
                    new(kind, HttpMethod.Post, "/api/events", json, Encoding.UTF8.GetBytes(Pick(random, EventBodies).Body)),
                    new(kind, HttpMethod.Post, "/api/events", json, Encoding.UTF8.GetBytes(new string('{', 60_000))),
                    new(kind, HttpMethod.Post, "/api/events", json, """{"id":"ok-1","name":"n","quantity":1}"""u8.ToArray()),
                    new(kind, HttpMethod.Get, $"/api/admin/failed-events?{Pick(random, BadFailedEventQueries)}"),
                    new(kind, HttpMethod.Post, "/api/admin/failed-events/abc/redrive"),
                    new(kind, HttpMethod.Post, "/api/admin/failed-events/1/redrive"),
                    new(kind, HttpMethod.Get, $"/api/admin/reconciliation?eventId={badId}"),
                });
                return admin with { Token = wrongKey, Status = 401 };
            case "routing: method":
                return Pick(random, new BadRequest[]
                {
                    new("routing: method", HttpMethod.Delete, $"/api/events/{eventId}", Status: 405),
                    new("routing: method", HttpMethod.Get, $"/api/events/{eventId}/applications", Status: 405),
                    new("routing: method", HttpMethod.Put, "/api/admin/failed-events/1/redrive", Token: key, Status: 405),
                });
            default:
                return new("routing: path", HttpMethod.Get, $"/api/{Pick(random, new[] { "nowhere", "events/x/y/z", "admin" })}", Status: 404);
        }
    }

    /// <summary>Tokens that must not validate: garbage, and a real one with its signature, payload or case changed.</summary>
    private static string[] WrongTokens(string token) => ["", "wrong", token + "x", token[..^4] + "AAAA", token.ToUpperInvariant()];

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
