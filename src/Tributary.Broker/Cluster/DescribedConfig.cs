namespace Tributary.Broker.Cluster;

/// <summary>A config as DescribeConfigs reports it: what it is, its effective value, and where that value comes from.</summary>
internal readonly record struct DescribedConfig(ConfigDefinition Definition, string? Value, ConfigSource Source);
