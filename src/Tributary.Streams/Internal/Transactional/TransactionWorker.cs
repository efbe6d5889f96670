using System.Collections.Concurrent;

namespace Tributary.Streams.Internal;

/// <summary>
/// A dedicated thread for Confluent.Kafka's blocking transactional calls, so they never block an Akka dispatcher
/// thread; jobs run one at a time, in the order given, which is the order librdkafka requires anyway.
/// </summary>
internal sealed class TransactionWorker
{
    private readonly BlockingCollection<Action> _jobs = new();

    public TransactionWorker(string name)
    {
        var thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <summary>Queues a job; the task completes (or fails) when it has run.</summary>
    public Task RunAsync(Action job)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _jobs.Add(() =>
        {
            try
            {
                job();
                done.TrySetResult();
            }
            catch (Exception error)
            {
                done.TrySetException(error);
            }
        });
        return done.Task;
    }

    /// <summary>Runs <paramref name="last"/> after the queued jobs, then ends the thread; the task completes when it has run.</summary>
    public Task Finish(Action last)
    {
        var done = RunAsync(last);
        _jobs.CompleteAdding();
        return done;
    }

    private void Run()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
            job();
        _jobs.Dispose();
    }
}
