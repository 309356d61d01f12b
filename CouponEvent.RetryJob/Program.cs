using CouponEvent.RetryJob.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapServiceIndex("Retries failed events until their coupon row is written or they are parked, and reconciles Redis with MySQL.");

app.Run();
