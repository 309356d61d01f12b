using CouponEvent.ApplyApi.Apis;
using CouponEvent.ApplyApi.Extensions;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
// No UseAuthentication(): only the admin policy authenticates, with its own scheme, so the apply path never runs it.
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

app.Run();
