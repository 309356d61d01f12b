using CouponEvent.KafkaMock;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMockKafkaCluster();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapBrokerApi();
app.MapRecordsApi();

app.Run();
