using Confluent.Kafka;

namespace Tributary.Streams.Internal;

/// <summary>
/// Delivery reports without headers for the producers the stages create. Confluent.Kafka rebuilds every record's
/// headers from librdkafka for its delivery report (a <see cref="Headers"/>, then a name string and a byte array per
/// header, through native calls, and an empty <see cref="Headers"/> for a record without any), although the stage
/// still holds the record it sent; with tracing on, every record carries a <c>traceparent</c>. So the stages ask for
/// reports without headers (<c>dotnet.producer.delivery.report.fields</c>, unless the user set it) and put each
/// record's own headers into its report, where the copy would have been: a result shows the same key, value,
/// headers, timestamp, partition and offset as before. (The report's <see cref="Headers"/> are now the record's
/// own collection, not a copy of it; key and value were always the record's own objects.)
/// </summary>
internal static class DeliveryReportHeaders
{
    /// <summary>Confluent.Kafka's producer property listing the fields its delivery reports carry.</summary>
    public const string FieldsProperty = "dotnet.producer.delivery.report.fields";

    /// <summary>Every field but the headers: key and value cost nothing (the report gets the sent objects), the
    /// timestamp (the one librdkafka or the broker assigned) and the persistence status cannot be had otherwise.</summary>
    public const string AllButHeaders = "key,value,timestamp,status";

    /// <summary>Puts the headers of the record <paramref name="sent"/> into its report: an empty collection for a record
    /// without headers, as Confluent.Kafka's report has.</summary>
    public static void Restore<TKey, TValue>(DeliveryResult<TKey, TValue> report, Message<TKey, TValue> sent) =>
        report.Message.Headers = sent.Headers ?? [];
}
