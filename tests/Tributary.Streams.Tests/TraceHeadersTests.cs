using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Tributary.Streams.Internal;

namespace Tributary.Streams.Tests;

/// <summary>The W3C trace context in record headers, written and read from bytes (TraceHeaders).</summary>
public sealed class TraceHeadersTests
{
    private const string Valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void A_written_context_reads_back_as_the_same_remote_context()
    {
        var (traceId, spanId) = (ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());
        var value = TraceHeaders.Format(traceId, spanId, ActivityTraceFlags.Recorded);

        var context = TraceHeaders.Extract(new Headers { { "traceparent", value } });

        Assert.Equal($"00-{traceId}-{spanId}-01", Encoding.ASCII.GetString(value));
        Assert.Equal((traceId, spanId, ActivityTraceFlags.Recorded, true), (context.TraceId, context.SpanId, context.TraceFlags, context.IsRemote));
    }

    [Fact]
    public void The_last_traceparent_and_its_tracestate_are_read()
    {
        var headers = new Headers
        {
            { "traceparent", Encoding.ASCII.GetBytes("00-11111111111111111111111111111111-2222222222222222-00") },
            { "traceparent", Encoding.ASCII.GetBytes(Valid) },
            { "tracestate", Encoding.ASCII.GetBytes("vendor=value") },
        };

        var context = TraceHeaders.Extract(headers);

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", context.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", context.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);
        Assert.Equal("vendor=value", context.TraceState);
    }

    [Theory]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")] // uppercase hex
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra")] // version 00 is exactly 55 bytes
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333")] // short
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")] // all-zero trace id
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")] // all-zero span id
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")] // the invalid version
    [InlineData("00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01")] // separators
    [InlineData("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01")] // not hex
    public void A_malformed_traceparent_is_ignored(string traceParent)
    {
        Assert.Equal(default, TraceHeaders.Extract(new Headers { { "traceparent", Encoding.ASCII.GetBytes(traceParent) } }));
    }

    [Fact]
    public void A_later_version_is_read_by_its_first_four_fields()
    {
        var context = TraceHeaders.Extract(new Headers { { "traceparent", Encoding.ASCII.GetBytes("01" + Valid[2..] + "-later-field") } });

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", context.TraceId.ToHexString());
    }

    [Fact]
    public void Writing_a_context_replaces_the_one_a_record_already_carries_and_keeps_other_headers()
    {
        var message = new Message<Null, string>
        {
            Value = "v",
            Headers = new Headers { { "traceparent", Encoding.ASCII.GetBytes(Valid) }, { "tracestate", [1] }, { "app", [7] } },
        };
        using var source = new ActivitySource("Tributary.Streams.Tests.TraceHeaders");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var span = source.StartActivity("send")!;

        TraceHeaders.Inject(span, message);

        Assert.Equal(["app", "traceparent"], message.Headers.Select(h => h.Key));
        Assert.Equal($"00-{span.TraceId}-{span.SpanId}-01", Encoding.ASCII.GetString(message.Headers.GetLastBytes("traceparent")));
    }
}
