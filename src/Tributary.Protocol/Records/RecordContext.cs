namespace Tributary.Protocol.Records;

/// <summary>The batch fields that turn a record's deltas into its offset and timestamp.</summary>
/// <param name="BaseOffset">The batch's base offset.</param>
/// <param name="BaseTimestamp">The batch's base timestamp.</param>
/// <param name="LogAppendTime">The batch's maxTimestamp when it uses LogAppendTime: then every record has that timestamp.</param>
internal readonly record struct RecordContext(long BaseOffset, long BaseTimestamp, long? LogAppendTime);
