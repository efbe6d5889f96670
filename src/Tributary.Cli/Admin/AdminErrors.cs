using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Tributary.Cli.Common;

namespace Tributary.Cli.Admin;

/// <summary>Turns the per-item errors of admin operations into one-line user errors.</summary>
internal static class AdminErrors
{
    public static Task RunAsync(Func<Task> operation) => RunAsync(async () =>
    {
        await operation();
        return true;
    });

    public static async Task<T> RunAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (CreateTopicsException e)
        {
            throw Describe(e.Results.Select(r => (r.Topic, r.Error)));
        }
        catch (DeleteTopicsException e)
        {
            throw Describe(e.Results.Select(r => (r.Topic, r.Error)));
        }
        catch (AlterConsumerGroupOffsetsException e)
        {
            throw Describe(e.Results.SelectMany(r => r.Partitions.Select(p => ($"{r.Group} {p.TopicPartition}", p.Error))).Append((e.Error.Reason, e.Error)));
        }
        catch (CreateAclsException e)
        {
            throw Describe(e.Results.Select(r => ("create ACLs", r.Error)));
        }
        catch (DeleteAclsException e)
        {
            throw Describe(e.Results.Select(r => ("delete ACLs", r.Error)));
        }
        catch (DescribeAclsException e)
        {
            throw Describe([("describe ACLs", e.Result.Error)]);
        }
    }

    private static UserErrorException Describe(IEnumerable<(string Item, Error Error)> results)
    {
        var (item, error) = results.First(r => r.Error.IsError);
        return new UserErrorException($"{item}: {error.Reason} ({error.Code})");
    }
}
