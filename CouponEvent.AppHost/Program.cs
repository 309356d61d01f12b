using CouponEvent.AppHost.Local;
var kafka = MockKafkaCluster.Start();
kafka.CreateTopic("coupon_create", 6);
Console.WriteLine(kafka.BootstrapServers);
await using var redis = await LocalRedis.StartAsync(Path.Combine(Path.GetTempPath(), "ce-test", "redis"));
await using var db = await LocalMariaDb.StartAsync(Path.Combine(Path.GetTempPath(), "ce-test", "mysql"));
Console.WriteLine(redis.ConnectionString);
Console.WriteLine(db.ConnectionString);
kafka.Dispose();
