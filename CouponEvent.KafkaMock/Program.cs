using CouponEvent.KafkaMock;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMockKafkaCluster();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapServiceIndex("librdkafka's mock broker, for local runs and tests, with fault injection.",
    "POST /brokers/{brokerId}/down", "POST /brokers/{brokerId}/up", "POST /topics/{topic}/partitions/{partition}/delete-records?beforeOffset=");
app.MapBrokerApi();
app.MapRecordsApi();

app.Run();
