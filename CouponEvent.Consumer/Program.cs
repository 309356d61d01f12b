using CouponEvent.Consumer.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapServiceIndex("Reads coupon_create in batches and writes each application's coupon row to MySQL, once, under the event's quantity.");

app.Run();
