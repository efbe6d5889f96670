using Akka.Actor;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Tributary.Streams.Settings;

/// <summary>
/// The reference HOCON configuration embedded in this assembly (<c>akka.kafka.consumer</c>,
/// <c>akka.kafka.producer</c>, <c>akka.kafka.committer</c>) and helpers to read settings sections.
/// </summary>
public static class KafkaReferenceConfig
{
    private static readonly Lazy<Config> Reference = new(Load);

    /// <summary>The embedded reference configuration.</summary>
    public static Config Default => Reference.Value;

    /// <summary>
    /// The section at <paramref name="path"/> of the actor system's configuration, falling back to the reference values.
    /// </summary>
    internal static Config SectionOf(ActorSystem system, string path) =>
        OrEmpty(system.Settings.Config.GetConfig(path)).WithFallback(Default.GetConfig(path));

    /// <summary>A user-given section with the reference values of <paramref name="path"/> behind it.</summary>
    internal static Config WithReference(Config section, string path) =>
        OrEmpty(section).WithFallback(Default.GetConfig(path));

    /// <summary>
    /// Flattens the <c>kafka-clients</c> sub-section into Confluent.Kafka property names: HOCON parses an unquoted
    /// <c>enable.auto.commit = false</c> as nested objects, so nested keys are joined back with dots.
    /// </summary>
    internal static IReadOnlyDictionary<string, string> KafkaClientProperties(Config section)
    {
        var result = new Dictionary<string, string>();
        if (!section.HasPath("kafka-clients"))
            return result;
        var root = section.GetValue("kafka-clients");
        if (root is not null && root.IsObject())
            Flatten(root.GetObject(), prefix: "", result);
        return result;
    }

    private static void Flatten(HoconObject node, string prefix, Dictionary<string, string> into)
    {
        foreach (var (key, value) in node.Items)
        {
            var name = prefix.Length == 0 ? key : prefix + "." + key;
            if (value.IsObject())
                Flatten(value.GetObject(), name, into);
            else
                into[name] = value.GetString();
        }
    }

    private static Config OrEmpty(Config? config) => config ?? Config.Empty;

    private static Config Load()
    {
        using var stream = typeof(KafkaReferenceConfig).Assembly.GetManifestResourceStream("Tributary.Streams.reference.conf")
            ?? throw new InvalidOperationException("The embedded reference.conf of Tributary.Streams is missing.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
