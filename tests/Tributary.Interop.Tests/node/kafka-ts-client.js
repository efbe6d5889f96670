// Drives kafka-ts 1.x, a pure TypeScript Kafka client we did not write (its own protocol code), for the interop tests.
// It sends every request at the highest version both it and the broker support (Produce v13 and Fetch v18 with topic
// ids, Metadata v13, JoinGroup v9, ConsumerGroupHeartbeat v1, ...). Its producer is always idempotent with acks all and
// never compresses; transactions exist only through its low-level API (cluster.sendRequest), used here as a
// transactional producer would. Each subcommand prints one JSON object on stdout with `apiVersions`: every API key the
// client sent and the versions it sent it at. Exit code 0 means no error.
const { API, createKafkaClient, setLogger } = require('kafka-ts');
// kafka-ts declares its IsolationLevel as a const enum, which leaves nothing at run time.
const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 };
const { Connection } = require('kafka-ts/dist/connection');
const { parseArgs } = require('./script-args');

const args = parseArgs(process.argv.slice(2));
const bootstrapServers = String(args.bootstrap).split(',').map(b => ({ host: b.split(':')[0], port: Number(b.split(':')[1]) }));
const client = createKafkaClient({ clientId: 'kafka-ts-interop', bootstrapServers, requestTimeout: 20000 });
const quiet = () => {};
setLogger({ debug: quiet, info: quiet, warn: (m, d) => console.error('warn', m, JSON.stringify(d, (_, v) => typeof v === 'bigint' ? String(v) : v)), error: (m, d) => console.error('error', m, d) });

// The versions sent per API key: each connection picks the version of an API once (validateVersion) and keeps it.
const apiVersions = {};
const validateVersion = Connection.prototype.validateVersion;
Connection.prototype.validateVersion = function (api) {
  const chosen = validateVersion.call(this, api);
  const seen = (apiVersions[chosen.apiKey] ??= []);
  if (!seen.includes(chosen.apiVersion)) seen.push(chosen.apiVersion);
  return chosen;
};

const delay = ms => new Promise(resolve => setTimeout(resolve, ms));
const number = value => typeof value === 'bigint' ? Number(value) : value;

async function waitFor(condition, what, seconds = args.maxSeconds) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > seconds * 1000) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}

// Runs fn with a connected low-level cluster (requests go to the seed broker unless sent to a node).
async function withCluster(fn) {
  const cluster = client.createCluster();
  await cluster.connect();
  try { return await fn(cluster); } finally { await cluster.disconnect(); }
}

async function controllerOf(cluster) {
  return (await cluster.sendRequest(API.METADATA, { topics: [], allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false })).controllerId;
}

async function createTopics(cluster, names, numPartitions = args.partitions) {
  const response = await cluster.sendRequestToNode(await controllerOf(cluster))(API.CREATE_TOPICS, {
    validateOnly: false, timeoutMs: 10000,
    topics: names.map(name => ({ name, numPartitions, replicationFactor: args.replication, assignments: [], configs: [] })),
  });
  return response.topics.map(t => ({ name: t.name, errorCode: t.errorCode, partitions: t._numPartitions, replicationFactor: t._replicationFactor }));
}

async function topicMetadata(cluster, names) {
  const response = await cluster.sendRequest(API.METADATA, { topics: names.map(name => ({ id: null, name })), allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false })
    .catch(e => e.response); // an unknown topic's error comes as an exception holding the whole response
  return response.topics.map(t => ({ name: t.name, errorCode: t.errorCode, partitions: t.partitions.length, replicas: t.partitions.map(p => p.replicaNodes.length) }));
}

// The end offset of each partition of --topic, asked of its leader (ListOffsets, latest).
async function endOffsets(cluster) {
  const metadata = await cluster.sendRequest(API.METADATA, { topics: [{ id: null, name: args.topic }], allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false });
  const ends = await Promise.all(metadata.topics[0].partitions.map(async p => {
    const response = await cluster.sendRequestToNode(p.leaderId)(API.LIST_OFFSETS, {
      replicaId: -1, isolationLevel: IsolationLevel.READ_UNCOMMITTED,
      topics: [{ name: args.topic, partitions: [{ partitionIndex: p.partitionIndex, currentLeaderEpoch: -1, timestamp: -1n }] }],
    });
    return { partition: p.partitionIndex, offset: number(response.topics[0].partitions[0].offset) };
  }));
  return ends.sort((a, b) => a.partition - b.partition);
}

// One record per partition and index, with a key and headers naming both.
function messages(prefix, count, partitions = args.partitions) {
  return Array.from({ length: count }, (_, i) => ({
    topic: args.topic, partition: i % partitions, key: `${prefix}-key-${i}`, value: `${prefix}-${i}`, headers: { index: String(i), prefix },
  }));
}

// Starts a consumer of --topic that adds what it reads to `records` as { member, partition, offset, key, value, headers }.
function consume(records, member, options) {
  return client.startConsumer({
    topics: [args.topic], maxWaitMs: 200, sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, ...options,
    onBatch: batch => { for (const m of batch) records.push({ member, partition: m.partition, offset: number(m.offset), key: m.key, value: m.value, headers: m.headers }); },
  });
}

// Topics: CreateTopics (two, and one again: TOPIC_ALREADY_EXISTS), Metadata, CreatePartitions, DeleteTopics.
async function admin() {
  return withCluster(async cluster => {
    const kept = args.topic, deleted = `${args.topic}-deleted`;
    const created = await createTopics(cluster, [kept, deleted], 3);
    // kafka-ts raises a response's error code as a KafkaTSApiError.
    const again = await createTopics(cluster, [kept], 3).catch(e => ({ errorCode: e.errorCode, message: e.errorMessage }));
    const controller = await controllerOf(cluster);
    const grown = await cluster.sendRequestToNode(controller)(API.CREATE_PARTITIONS, { topics: [{ name: kept, count: 5, assignments: null }], timeoutMs: 10000, validateOnly: false });
    const deletion = await cluster.sendRequestToNode(controller)(API.DELETE_TOPICS, { topics: [{ name: deleted, topicId: null }], timeoutMs: 10000 });
    await delay(200);
    const metadata = await topicMetadata(cluster, [kept, deleted]);
    return { created, again, grown: grown.results.map(r => ({ name: r.name, errorCode: r.errorCode })), deleted: deletion.responses.map(r => ({ name: r.name, errorCode: r.errorCode })), metadata };
  });
}

// Produces keyed records with headers to every partition (the producer is idempotent: InitProducerId, then sequences),
// reads them back with a consumer without a group from the beginning, then from a timestamp (ListOffsets by time), and
// fetches one partition from a given offset with the low-level Fetch.
async function produceConsume() {
  const offsets = await withCluster(async cluster => {
    await createTopics(cluster, [args.topic]);
    const producer = client.createProducer({});
    await producer.send(messages('first', 8));
    await delay(50);
    const middle = BigInt(Date.now());
    await delay(50);
    await producer.send(messages('second', 8));
    await producer.send([{ topic: args.topic, key: 'by-key', value: 'by-key-0', headers: { index: '0', prefix: 'by-key' } }]);
    await producer.close();
    return { middle, end: await endOffsets(cluster) };
  });

  const records = [];
  const fromBeginning = await consume(records, 'beginning', { fromBeginning: true });
  await waitFor(() => records.length >= 17, '17 records from the beginning');
  await fromBeginning.close();
  const fromTimestamp = [];
  const timed = await consume(fromTimestamp, 'timestamp', { fromTimestamp: offsets.middle });
  await waitFor(() => fromTimestamp.length >= 9, '9 records from the timestamp');
  await delay(300);
  await timed.close();

  const fetched = await withCluster(async cluster => {
    const metadata = await cluster.sendRequest(API.METADATA, { topics: [{ id: null, name: args.topic }], allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false });
    const topic = metadata.topics[0];
    const leader = topic.partitions.find(p => p.partitionIndex === 1).leaderId;
    const response = await cluster.sendRequestToNode(leader)(API.FETCH, {
      maxWaitMs: 100, minBytes: 1, maxBytes: 1048576, isolationLevel: IsolationLevel.READ_UNCOMMITTED, sessionId: 0, sessionEpoch: -1, rackId: '',
      topics: [{ topicId: topic.topicId, topicName: args.topic, partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: 2n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1048576 }] }],
      forgottenTopicsData: [],
    });
    const partition = response.responses[0].partitions[0];
    return {
      errorCode: partition.errorCode, highWatermark: number(partition.highWatermark),
      values: partition.records.flatMap(batch => batch.records.map(r => ({ offset: number(batch.baseOffset) + r.offsetDelta, value: r.value?.toString() }))),
    };
  });
  return { records, fromTimestamp: fromTimestamp.map(r => r.value), fetched, endOffsets: offsets.end };
}

// The partitions each member owns: probes (a record to every partition) are sent in rounds until two rounds in a row
// reach every partition, each member of `members` owning some, with the same owners. One round is not enough: a
// rebalance during a round hands a partition over after its old owner read that round's probe. The probes are dropped
// from `records` as they are counted.
async function probeOwnership(producer, records, members) {
  const isProbe = r => r.value.startsWith('probe');
  const partitionsOf = member => [...new Set(records.filter(r => r.member === member && isProbe(r)).map(r => r.partition))].sort();
  const settled = () => members.every(m => partitionsOf(m).length > 0) && members.flatMap(partitionsOf).length === args.partitions;
  const started = Date.now();
  let previous = null;
  for (let round = 0; ; round++) {
    if (Date.now() - started > args.maxSeconds * 1000) throw new Error(`no stable assignment: ${JSON.stringify(records.filter(isProbe))}`);
    records.splice(0, records.length, ...records.filter(r => !isProbe(r)));
    await producer.send(messages(`probe${round}`, args.partitions));
    await waitFor(() => settled() || records.filter(isProbe).length >= args.partitions, 'the probes', 10).then(() => delay(300));
    const ownership = settled() ? JSON.stringify(Object.fromEntries(members.map(m => [m, partitionsOf(m)]))) : null;
    if (ownership !== null && ownership === previous) {
      records.splice(0, records.length, ...records.filter(r => !isProbe(r)));
      return JSON.parse(ownership);
    }
    previous = ownership;
  }
}

// Static membership (KIP-345): two members with group instance ids; the first closes without leaving the group and a
// new consumer with its instance id takes its partitions back without a rebalance of the other member.
async function staticMembership() {
  await withCluster(cluster => createTopics(cluster, [args.topic]));
  const producer = client.createProducer({});
  const records = [];
  const member = (name, instance) => consume(records, name, { groupId: args.group, groupInstanceId: instance, fromBeginning: true });
  const one = await member('one', 'instance-one');
  const two = await member('two', 'instance-two');
  let rebalancesOfTwo = 0;
  two.on('rebalanceInProgress', () => rebalancesOfTwo++);
  const before = await probeOwnership(producer, records, ['one', 'two']);
  const rebalancesBeforeReplacing = rebalancesOfTwo;
  await one.close();
  const replacement = await member('replacement', 'instance-one');
  const after = await probeOwnership(producer, records, ['replacement', 'two']);
  await producer.send(messages('after', 8));
  await waitFor(() => records.filter(r => r.value.startsWith('after')).length >= 8, '8 records after the replacement');
  const afterByMember = { replacement: [], two: [] };
  for (const r of records.filter(r => r.value.startsWith('after'))) afterByMember[r.member].push(r.partition);
  const rebalancesWhileReplacing = rebalancesOfTwo - rebalancesBeforeReplacing;
  await replacement.close();
  await two.close();
  await producer.close();
  return { before, after, afterByMember, rebalancesWhileReplacing };
}

// A group of two (--protocol classic: JoinGroup, SyncGroup, Heartbeat; consumer: ConsumerGroupHeartbeat): the first
// member reads and commits everything produced before the second joins; after the rebalance each member reads only its
// own partitions; the committed offsets are read back with OffsetFetch.
async function group() {
  await withCluster(cluster => createTopics(cluster, [args.topic]));
  const producer = client.createProducer({});
  await producer.send(messages('before', 12));
  const groupOptions = { groupId: args.group, groupProtocol: args.protocol || 'classic', fromBeginning: true };
  const records = [];
  const first = await consume(records, 'first', groupOptions);
  let rebalances = 0, commits = 0, heartbeats = 0;
  first.on('rebalanceInProgress', () => rebalances++);
  first.on('offsetCommit', () => commits++);
  first.on('heartbeat', () => heartbeats++);
  await waitFor(() => records.length >= 12, '12 records by the first member');
  const beforePartitions = [...new Set(records.map(r => r.partition))].sort();
  const second = await consume(records, 'second', groupOptions);
  const ownership = await probeOwnership(producer, records, ['first', 'second']);
  await producer.send(messages('after', 8));
  await waitFor(() => records.filter(r => r.value.startsWith('after')).length >= 8, '8 records after the rebalance');
  await delay(500);
  const afterByMember = { first: [], second: [] };
  for (const r of records.filter(r => r.value.startsWith('after'))) afterByMember[r.member].push(r.partition);
  await second.close();
  await first.close();
  await producer.close();
  const committed = await withCluster(async cluster => {
    const { coordinators } = await cluster.sendRequest(API.FIND_COORDINATOR, { keyType: 0, keys: [args.group] });
    const response = await cluster.sendRequestToNode(coordinators[0].nodeId)(API.OFFSET_FETCH, {
      groups: [{ groupId: args.group, memberId: null, memberEpoch: -1, topics: [{ name: args.topic, partitionIndexes: Array.from({ length: args.partitions }, (_, p) => p) }] }],
      requireStable: true,
    });
    return response.groups[0].topics[0].partitions.map(p => ({ partition: p.partitionIndex, offset: number(p.committedOffset) })).sort((a, b) => a.partition - b.partition);
  });
  const ends = await withCluster(endOffsets);
  return {
    beforePartitions, ownership, afterByMember, rebalances, commits, heartbeats, committed, endOffsets: ends,
    values: [...new Set(records.filter(r => !r.value.startsWith('probe')).map(r => r.value))],
  };
}

// A transactional producer through the low-level API: FindCoordinator (transaction), InitProducerId with the
// transactional id, AddPartitionsToTxn, Produce of transactional batches, EndTxn commit, then abort; a read_committed
// consumer sees the committed records only, a read_uncommitted one both.
async function transactions() {
  const transactionalId = `${args.group}-tx`;
  await withCluster(async cluster => {
    await createTopics(cluster, [args.topic], 1);
    const { coordinators } = await cluster.sendRequest(API.FIND_COORDINATOR, { keyType: 1, keys: [transactionalId] });
    const coordinator = cluster.sendRequestToNode(coordinators[0].nodeId);
    const init = await coordinator(API.INIT_PRODUCER_ID, { transactionalId, transactionTimeoutMs: 30000, producerId: -1n, producerEpoch: -1 });
    const metadata = await cluster.sendRequest(API.METADATA, { topics: [{ id: null, name: args.topic }], allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false });
    const topic = metadata.topics[0];
    const leader = cluster.sendRequestToNode(topic.partitions[0].leaderId);
    let sequence = 0;
    for (const [prefix, committed] of [['committed', true], ['aborted', false], ['last', true]]) {
      await coordinator(API.ADD_PARTITIONS_TO_TXN, {
        v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch,
        v3AndBelowTopics: [{ name: args.topic, partitions: [0] }],
        transactions: [{ transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch, verifyOnly: false, topics: [{ name: args.topic, partitions: [0] }] }],
      });
      const count = prefix === 'last' ? 1 : 3;
      const now = BigInt(Date.now());
      await leader(API.PRODUCE, {
        transactionalId, acks: -1, timeoutMs: 10000,
        topicData: [{ name: args.topic, topicId: topic.topicId, partitionData: [{
          index: 0, baseOffset: 0n, partitionLeaderEpoch: -1, attributes: 0x10, lastOffsetDelta: count - 1, baseTimestamp: now, maxTimestamp: now,
          producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: sequence,
          records: Array.from({ length: count }, (_, i) => ({ attributes: 0, timestampDelta: 0n, offsetDelta: i, key: null, value: `${prefix}-${i}`, headers: [] })),
        }] }],
      });
      sequence += count;
      await coordinator(API.END_TXN, { transactionalId, producerId: init.producerId, producerEpoch: init.producerEpoch, committed });
    }
  });
  const read = async (isolationLevel, member) => {
    const records = [];
    const consumer = await consume(records, member, { fromBeginning: true, isolationLevel });
    await waitFor(() => records.some(r => r.value === 'last-0'), `the last committed record (${member})`);
    await delay(300);
    await consumer.close();
    return records.map(r => r.value);
  };
  return { committed: await read(IsolationLevel.READ_COMMITTED, 'read_committed'), uncommitted: await read(IsolationLevel.READ_UNCOMMITTED, 'read_uncommitted') };
}

const commands = { admin, 'produce-consume': produceConsume, group, static: staticMembership, transactions };
commands[args.command]()
  .then(result => { process.stdout.write(JSON.stringify({ ...result, apiVersions }) + '\n'); process.exit(0); },
    err => { console.error(err?.stack ?? err, JSON.stringify(err, (_, v) => typeof v === 'bigint' ? String(v) : v)); process.exit(1); });
