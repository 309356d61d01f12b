// The fastest this machine serves HTTP: every other figure in the benchmark is a ratio to the GET.
// The POST is the ceiling of a sold-out answer: an application's body read, a constant 410 problem written back.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapGet("/", () => "ok");
var soldOut = """{"type":"urn:couponevent:sold-out","title":"The event is sold out.","status":410,"detail":"Every coupon of 'bench' has been given away.","traceId":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}"""u8.ToArray();
app.MapPost("/api/events/{eventId}/applications", async (HttpContext context) =>
{
    var read = await context.Request.BodyReader.ReadAtLeastAsync(1025);
    context.Request.BodyReader.AdvanceTo(read.Buffer.End);
    context.Response.StatusCode = 410;
    context.Response.ContentType = "application/problem+json";
    context.Response.ContentLength = soldOut.Length;
    await context.Response.Body.WriteAsync(soldOut);
});
app.Run();
