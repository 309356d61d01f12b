using CouponEvent.ApplyApi.Apis;
using CouponEvent.ApplyApi.Extensions;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
// Bearer tokens, for the admin endpoints only (Apis/AdminAuthorization.cs).
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapEventsApi();
app.MapAdminApi();

if (app.Environment.IsDevelopment())
{
    app.MapOpenApi();
    app.MapScalarApiReference();
    app.MapGet("/", () => Results.Redirect("/scalar")).ExcludeFromDescription();
}
else
{
    app.MapServiceIndex("Admits applications for coupons: first come, first served, one per user.",
        "POST /api/events/{eventId}/applications", "GET /api/events/{eventId}/applications/me", "GET /api/events/{eventId}");
}

app.Run();
