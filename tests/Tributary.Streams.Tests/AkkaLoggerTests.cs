using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Tributary.Streams.Tests;

public sealed class AkkaLoggerTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    [Fact]
    public void Settings_created_from_an_actor_system_log_to_its_log()
    {
        var consumer = ConsumerSettings<string, string>.Create(Sys, Deserializers.Utf8, Deserializers.Utf8);
        var producer = ProducerSettings<string, string>.Create(Sys, Serializers.Utf8, Serializers.Utf8);

        EventFilter.Warning(contains: "Dropped commit of {braces} kept").ExpectOne(() =>
            consumer.Logger.LogWarning("Dropped commit of {Text} kept", "{braces}"));
        EventFilter.Error(contains: "producer failed").ExpectOne(() =>
            producer.Logger.LogError(new InvalidOperationException("boom"), "producer failed"));
    }
}
