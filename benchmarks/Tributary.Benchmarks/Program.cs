using BenchmarkDotNet.Running;
using Tributary.Benchmarks.Broker;
using Tributary.Benchmarks.Cluster;
using Tributary.Benchmarks.Replication;
using Tributary.Benchmarks.Requests;
using Tributary.Benchmarks.Storage;
using Tributary.Benchmarks.Streams;
using Tributary.Benchmarks.Transactions;

// `cluster` runs the end-to-end scenarios against the embedded cluster and librdkafka's mock; see docs/benchmarks.md.
if (args is [ClusterBenchmarks.Command, .. var clusterArgs]) return await ClusterBenchmarks.RunAsync(clusterArgs);
// `requests` measures the broker's CPU per request against the mock, one kind of request at a time; see docs/benchmarks.md.
if (args is [RequestBenchmarks.Command, .. var requestArgs]) return await RequestBenchmarks.RunAsync(requestArgs);
// `txn` compares transactional with idempotent produce on the embedded cluster; see docs/benchmarks.md.
if (args is [TransactionBenchmarks.Command, .. var transactionArgs]) return await TransactionBenchmarks.RunAsync(transactionArgs);
// `replication` compares acks=all with acks=1 at replication factor 3 and the CPU of factor 3 with 1; see docs/benchmarks.md.
if (args is [ReplicationBenchmarks.Command, .. var replicationArgs]) return await ReplicationBenchmarks.RunAsync(replicationArgs);
// `streams` compares the connectors with raw Confluent.Kafka loops, and exactly-once with at-least-once; see docs/benchmarks.md.
if (args is [StreamsBenchmarks.Command, .. var streamsArgs]) return await StreamsBenchmarks.RunAsync(streamsArgs);
// `telemetry` runs the connector scenarios with their traces and metrics observed against unobserved; see docs/benchmarks.md.
if (args is [TelemetryBenchmarks.Command, .. var telemetryArgs]) return await TelemetryBenchmarks.RunAsync(telemetryArgs);

// `sleeps` measures the CPU of one short sleep of a broker background thread, before and after WakeableSleep; see docs/benchmarks.md.
if (args is [SleepBenchmark.Command, .. var sleepArgs]) return SleepBenchmark.Run(sleepArgs);
// `sends` measures the sending thread's CPU for 16 MB of log chunks sent in place against copied first, as the mock does; see docs/benchmarks.md.
if (args is [SendBenchmark.Command, .. var sendArgs]) return SendBenchmark.Run(sendArgs);

// `storage` writes and reads a 1 GiB partition in memory and in a data directory, then times loading it after a crash; see docs/benchmarks.md.
if (args is [StorageBenchmark.Command, .. var storageArgs]) return await StorageBenchmark.RunAsync(storageArgs);

// Runs the benchmarks picked on the command line, e.g. `--filter *RecordBatch*`; see docs/benchmarks.md.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
