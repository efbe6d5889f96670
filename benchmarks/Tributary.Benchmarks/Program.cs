using BenchmarkDotNet.Running;
using Tributary.Benchmarks.Cluster;
using Tributary.Benchmarks.Streams;
using Tributary.Benchmarks.Transactions;

// `cluster` runs the end-to-end scenarios against the embedded cluster and librdkafka's mock; see docs/benchmarks.md.
if (args is [ClusterBenchmarks.Command, .. var clusterArgs]) return await ClusterBenchmarks.RunAsync(clusterArgs);
// `txn` compares transactional with idempotent produce on the embedded cluster; see docs/benchmarks.md.
if (args is [TransactionBenchmarks.Command, .. var transactionArgs]) return await TransactionBenchmarks.RunAsync(transactionArgs);
// `streams` compares the connectors with raw Confluent.Kafka loops, and exactly-once with at-least-once; see docs/benchmarks.md.
if (args is [StreamsBenchmarks.Command, .. var streamsArgs]) return await StreamsBenchmarks.RunAsync(streamsArgs);

// Runs the benchmarks picked on the command line, e.g. `--filter *RecordBatch*`; see docs/benchmarks.md.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
