// The embedded cluster as the resource "kafka", and a service that only knows its connection string from the
// environment Aspire gives it (ConnectionStrings__kafka), producing one record with kcat once the cluster is healthy.
var builder = DistributedApplication.CreateBuilder(args);

var kafka = builder.AddTributaryKafka("kafka");

builder.AddExecutable("greeter", "/bin/sh", builder.AppHostDirectory,
        "-c", "echo 'hello from a service' | kcat -P -b \"$ConnectionStrings__kafka\" -t greetings -k greeter")
    .WithReference(kafka)
    .WaitFor(kafka);

builder.Build().Run();
