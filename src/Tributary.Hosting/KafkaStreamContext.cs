using Akka.Actor;
using Akka.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Tributary.Hosting;

/// <summary>What a hosted stream is built with: the host's services, configuration, actor system, materializer and logger.</summary>
/// <param name="Name">The stream's name (its health check's name too).</param>
/// <param name="Services">The host's services.</param>
/// <param name="Configuration">The host's configuration, e.g. for <c>Configuration.GetSection("Kafka:Consumer").ToConsumerSettings(...)</c>.</param>
/// <param name="System">The actor system the stream runs in (the one registered in the services, or Tributary's own).</param>
/// <param name="Materializer">A materializer of <paramref name="System"/>.</param>
/// <param name="Logger">The stream's logger (category <c>Tributary.Hosting.KafkaStream</c>); give it to the settings' <c>WithLogger</c>.</param>
public sealed record KafkaStreamContext(string Name, IServiceProvider Services, IConfiguration Configuration, ActorSystem System, IMaterializer Materializer, ILogger Logger);
