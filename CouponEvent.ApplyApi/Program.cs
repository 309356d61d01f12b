using CouponEvent.ApplyApi.Apis;
using CouponEvent.ApplyApi.Extensions;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
// Authentication: only the admin policy runs it, with its own scheme (Apis/AdminAuthentication.cs), never the apply path.
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
