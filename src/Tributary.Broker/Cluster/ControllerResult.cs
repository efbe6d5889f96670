using Tributary.Protocol;

namespace Tributary.Broker.Cluster;

/// <summary>The outcome of a controller operation: an error code with Kafka's kind of message, and the topic when there is one.</summary>
internal readonly record struct ControllerResult(ErrorCode Error, string? Message = null, TopicState? Topic = null)
{
    public static ControllerResult Ok(TopicState? topic = null) => new(ErrorCode.None, null, topic);
    public static ControllerResult Fail(ErrorCode error, string message) => new(error, message);
}
