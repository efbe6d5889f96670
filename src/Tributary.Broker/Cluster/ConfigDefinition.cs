using System.Globalization;

namespace Tributary.Broker.Cluster;

/// <summary>The value types of configs, numbered as DescribeConfigs (v3+) reports them.</summary>
internal enum ConfigType : sbyte
{
    Unknown = 0,
    Boolean = 1,
    String = 2,
    Int = 3,
    Short = 4,
    Long = 5,
    Double = 6,
    List = 7,
    Class = 8,
    Password = 9,
}

/// <summary>Where a config value comes from, numbered as DescribeConfigs (v1+) reports them.</summary>
internal enum ConfigSource : sbyte
{
    Unknown = 0,
    TopicConfig = 1,
    DynamicBrokerConfig = 2,
    DynamicDefaultBrokerConfig = 3,
    StaticBrokerConfig = 4,
    DefaultConfig = 5,
}

/// <summary>
/// One known config: its name, type, Kafka's default, the broker config that supplies the default for a topic
/// config (its "synonym"), and the values it accepts (a list, a least value, or a check for values a list cannot hold).
/// </summary>
internal sealed record ConfigDefinition(
    string Name,
    ConfigType Type,
    string? DefaultValue,
    string Documentation,
    string? BrokerSynonym = null,
    IReadOnlyList<string>? ValidValues = null,
    bool ReadOnly = false,
    Func<string, bool>? Validator = null,
    long? Minimum = null)
{
    /// <summary>True when <paramref name="value"/> parses as this config's type and is one of its valid values.</summary>
    public bool Accepts(string? value)
    {
        if (value is null) return false;
        if (Validator is not null && !Validator(value)) return false;
        if (ValidValues is not null)
        {
            var items = Type == ConfigType.List ? value.Split(',', StringSplitOptions.TrimEntries) : [value];
            return items.All(item => ValidValues.Contains(item, StringComparer.OrdinalIgnoreCase));
        }
        return Type switch
        {
            _ when Minimum is { } minimum => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= minimum && FitsType(number),
            ConfigType.Boolean => bool.TryParse(value, out _),
            ConfigType.Int => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            ConfigType.Short => short.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            ConfigType.Long => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            ConfigType.Double => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            _ => true,
        };
    }

    /// <summary>Why <paramref name="value"/> is refused, in Kafka's words, or null when it is accepted.</summary>
    public string? Problem(string? value) =>
        Accepts(value) ? null
        : Minimum is { } minimum ? $"Invalid value {value} for configuration {Name}: Value must be at least {minimum} ({TypeName})"
        : ValidValues is not null ? $"Invalid value {value} for configuration {Name}: String must be one of: {string.Join(", ", ValidValues)}"
        : $"Invalid value {value} for configuration {Name}: Expected value to be {TypeName}";

    private string TypeName => Type switch
    {
        ConfigType.Boolean => "either true or false",
        ConfigType.Int => "a 32-bit integer",
        ConfigType.Short => "a 16-bit integer",
        ConfigType.Long => "a 64-bit integer",
        ConfigType.Double => "a number",
        _ => "a string",
    };

    private bool FitsType(long number) => Type switch
    {
        ConfigType.Int => number is >= int.MinValue and <= int.MaxValue,
        ConfigType.Short => number is >= short.MinValue and <= short.MaxValue,
        _ => true,
    };
}
