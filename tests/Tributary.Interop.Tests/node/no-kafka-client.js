// Drives no-kafka 3.4.4, an old pure-JavaScript Kafka client we did not write (Kafka 0.9 protocol), for the interop
// tests. It never sends ApiVersions: it speaks fixed old versions (Metadata v0, Produce v1 with message format 0,
// Fetch v0, ListOffsets v0, GroupCoordinator v0, JoinGroup/SyncGroup/Heartbeat/LeaveGroup v0, OffsetCommit v2 and
// OffsetFetch v1 for its GroupConsumer, OffsetCommit v0 and OffsetFetch v0 for its SimpleConsumer, ListGroups and
// DescribeGroups v0), and runs the group's assignment itself. It cannot create topics: the test creates them. Each
// subcommand prints one JSON object on stdout with `apiVersions`: every API key the client sent and the versions it
// sent it at. Exit code 0 means the client raised nothing.
const Kafka = require('no-kafka');
const Connection = require('no-kafka/lib/connection');
const { parseArgs } = require('./script-args');

const args = parseArgs(process.argv.slice(2));
// asyncCompression false: with its default (true) no-kafka compresses each partition's message set from a writer
// buffer it has already reused for the next partition, so a request to several partitions carries one partition's
// records under another's number (seen on the wire, before any broker reads it).
const base = { asyncCompression: false, connectionString: String(args.bootstrap), logger: { logLevel: 1, logFunction: (...a) => console.error(...a) } };

// The versions sent per API key, read from the header of each request as it is written to the socket.
const apiVersions = {};
const send = Connection.prototype.send;
Connection.prototype.send = function (correlationId, data, noresponse) {
  const seen = (apiVersions[data.readInt16BE(0)] ??= []);
  if (!seen.includes(data.readInt16BE(2))) seen.push(data.readInt16BE(2));
  return send.call(this, correlationId, data, noresponse);
};

const delay = ms => new Promise(resolve => setTimeout(resolve, ms));
const partitions = Array.from({ length: args.partitions }, (_, p) => p);

async function waitFor(condition, what, seconds = args.maxSeconds) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > seconds * 1000) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

// One keyed record per partition in turn.
function messages(prefix, count) {
  return Array.from({ length: count }, (_, i) => ({ topic: args.topic, partition: i % args.partitions, message: { key: `${prefix}-key-${i}`, value: `${prefix}-${i}` } }));
}

// A data handler adding what it reads to `records` as { member, partition, offset, key, value }.
function collect(records, member) {
  return (messageSet, topic, partition) => {
    for (const m of messageSet) records.push({ member, partition, offset: m.offset, key: m.message.key?.toString(), value: m.message.value?.toString() });
  };
}

async function produce(producer, prefix, count, options) {
  const results = await producer.send(messages(prefix, count), options);
  const failed = results.filter(r => r.error);
  if (failed.length) throw new Error(`produce failed: ${JSON.stringify(failed)}`);
  return results;
}

// Produces keyed records without and with gzip, at acks 1 and all (snappy needs a native module not installed), then a
// SimpleConsumer reads every partition from offset 0 and one partition from offset 2, asks the earliest and latest
// offsets (ListOffsets v0), and commits and fetches offsets with OffsetCommit v0 / OffsetFetch v0.
async function produceConsume() {
  const producer = new Kafka.Producer({ ...base, clientId: 'no-kafka-producer', batch: { size: 0, maxWait: 0 } });
  await producer.init();
  const produced = [
    ...(await produce(producer, 'none', 8, { codec: Kafka.COMPRESSION_NONE })),
    ...(await produce(producer, 'gzip', 8, { codec: Kafka.COMPRESSION_GZIP })),
  ];
  const allAcks = new Kafka.Producer({ ...base, clientId: 'no-kafka-producer-all', requiredAcks: -1, batch: { size: 0, maxWait: 0 } });
  await allAcks.init();
  produced.push(...(await produce(allAcks, 'acks-all', 4, { codec: Kafka.COMPRESSION_GZIP })));
  await producer.end();
  await allAcks.end();

  const consumer = new Kafka.SimpleConsumer({ ...base, clientId: 'no-kafka-simple', groupId: args.group, idleTimeout: 100, maxWaitTime: 100 });
  await consumer.init();
  const records = [];
  await consumer.subscribe(args.topic, partitions, { offset: 0 }, collect(records, 'simple'));
  await waitFor(() => records.length >= 20, '20 records from offset 0');
  const fromOffset = [];
  await consumer.unsubscribe(args.topic, partitions);
  await consumer.subscribe(args.topic, [1], { offset: 2 }, collect(fromOffset, 'from-offset'));
  await waitFor(() => fromOffset.length >= 3, '3 records of partition 1 from offset 2');
  await consumer.unsubscribe(args.topic, [1]);
  const earliest = await consumer.offset(args.topic, 0, Kafka.EARLIEST_OFFSET);
  const latest = await consumer.offset(args.topic, 0, Kafka.LATEST_OFFSET);
  // OffsetCommit/OffsetFetch v0 go to each partition's leader (Kafka 0.8 kept them in ZooKeeper, on any broker).
  const commitResult = await consumer.commitOffset(partitions.map(partition => ({ topic: args.topic, partition, offset: partition + 1 })));
  const fetchResult = await consumer.fetchOffset(partitions.map(partition => ({ topic: args.topic, partition })));
  await consumer.end();
  return {
    produced: produced.map(r => ({ partition: r.partition, offset: r.offset })), records, fromOffset: fromOffset.map(r => ({ offset: r.offset, value: r.value })),
    earliest, latest,
    commitResult: commitResult.map(r => ({ partition: r.partition, error: r.error && r.error.code })).sort((a, b) => a.partition - b.partition),
    fetchResult: fetchResult.map(r => ({ partition: r.partition, offset: r.offset, error: r.error && r.error.code })).sort((a, b) => a.partition - b.partition),
  };
}

// A GroupConsumer from earliest (its own round-robin assignment, sent in SyncGroup by the leader) commits each record;
// a second member joins and the group rebalances; each reads only its own partitions afterwards; the committed offsets
// are read back (OffsetFetch v1) and the GroupAdmin lists and describes the group and computes the lag.
async function group() {
  const producer = new Kafka.Producer({ ...base, clientId: 'no-kafka-group-producer', batch: { size: 0, maxWait: 0 } });
  await producer.init();
  await produce(producer, 'before', 12);
  const records = [];
  // The next offset each partition's commits were acknowledged at, and the errors of those that were refused (a commit
  // racing a rebalance may be; no-kafka reports it in the result and does not raise it).
  const acknowledged = {}, commitErrors = [];
  const member = name => {
    const consumer = new Kafka.GroupConsumer({ ...base, clientId: `no-kafka-${name}`, groupId: args.group, idleTimeout: 100, maxWaitTime: 100,
      sessionTimeout: 10000, heartbeatTimeout: 500, startingOffset: Kafka.EARLIEST_OFFSET });
    const handler = async (messageSet, topic, partition) => {
      collect(records, name)(messageSet, topic, partition);
      for (const m of messageSet) {
        for (const r of await consumer.commitOffset({ topic, partition, offset: m.offset })) {
          if (r.error) commitErrors.push({ member: name, partition, offset: m.offset, error: r.error.code ?? String(r.error) });
          else acknowledged[partition] = Math.max(acknowledged[partition] ?? 0, m.offset + 1);
        }
      }
    };
    return { consumer, init: () => consumer.init([{ subscriptions: [args.topic], handler }]) };
  };
  const first = member('first');
  await first.init();
  await waitFor(() => records.length >= 12, '12 records by the first member');
  const ownedAlone = Object.keys(first.consumer.subscriptions).map(k => Number(k.split(':').pop())).sort();
  const second = member('second');
  await second.init();
  const owned = m => Object.keys(m.consumer.subscriptions).map(k => Number(k.split(':').pop())).sort();
  await waitFor(() => owned(first).length > 0 && owned(second).length > 0 && owned(first).length + owned(second).length === args.partitions, 'the rebalance');
  const ownedShared = { first: owned(first), second: owned(second) };
  await delay(500);
  await produce(producer, 'after', 8);
  await waitFor(() => records.filter(r => r.value.startsWith('after')).length >= 8, '8 records after the rebalance');
  // The handlers commit after they collect: wait for the last record of each partition to be acknowledged (a fixed
  // delay was not always enough on a loaded machine).
  const end = (12 + 8) / args.partitions;
  await waitFor(() => partitions.every(p => acknowledged[p] >= end), `the commits up to offset ${end} (refused: ${JSON.stringify(commitErrors)})`);
  const afterByMember = { first: [], second: [] };
  for (const r of records.filter(r => r.value.startsWith('after'))) afterByMember[r.member].push(r.partition);

  const committed = (await first.consumer.fetchOffset(partitions.map(partition => ({ topic: args.topic, partition }))))
    .map(r => ({ partition: r.partition, offset: r.offset })).sort((a, b) => a.partition - b.partition);
  const admin = new Kafka.GroupAdmin({ ...base, clientId: 'no-kafka-admin' });
  await admin.init();
  const listed = (await admin.listGroups()).filter(g => g.groupId === args.group);
  const described = await admin.describeGroup(args.group);
  const lag = await admin.fetchConsumerLag(args.group, [{ topicName: args.topic, partitions }]);
  await second.consumer.end();
  await first.consumer.end();
  const describedAfterLeaving = await admin.describeGroup(args.group);
  await admin.end();
  await producer.end();
  return {
    ownedAlone, ownedShared, afterByMember, committed, values: [...new Set(records.map(r => r.value))],
    listed, described: { state: described.state, protocolType: described.protocolType, protocol: described.protocol,
      members: described.members.map(m => ({ clientId: m.clientId, partitions: m.memberAssignment.partitionAssignment.flatMap(a => a.partitions).sort() })) },
    lag: lag.map(l => ({ partition: l.partition, offset: l.offset, highwaterMark: l.highwaterMark, consumerLag: l.consumerLag })).sort((a, b) => a.partition - b.partition),
    stateAfterLeaving: describedAfterLeaving.state,
  };
}

const commands = { 'produce-consume': produceConsume, group };
commands[args.command]()
  .then(result => { process.stdout.write(JSON.stringify({ ...result, apiVersions }) + '\n'); process.exit(0); },
    err => { console.error(err?.stack ?? err); process.exit(1); });
