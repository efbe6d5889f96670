// Drives @platformatic/kafka 1.x, a modern pure-JavaScript client we did not write, for the interop tests. Unlike
// kafkajs and kafka-node it negotiates recent API versions on its own (flexible versions, Fetch v17 with topic ids,
// Produce v11, Metadata v12, ListOffsets v9, JoinGroup v9, ConsumerGroupHeartbeat v1, ...). Each subcommand prints
// one JSON object on stdout, with `apiVersions`: every API key the client sent and the versions it sent it at.
// Exit code 0 means no error.
import { subscribe } from 'node:diagnostics_channel'
import { Admin, Consumer, Producer, connectionsApiChannel, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import scriptArgs from './script-args.js'

const args = scriptArgs.parseArgs(process.argv.slice(2))
const base = { bootstrapBrokers: String(args.bootstrap).split(','), retries: 5, retryDelay: 250, timeout: 15000 }

// The versions sent per API key, from the client's own diagnostics channel (one event per request on the wire).
const apiVersions = {}
subscribe(connectionsApiChannel.start.name, event => {
  const seen = (apiVersions[event.apiKey] ??= [])
  if (!seen.includes(event.apiVersion)) seen.push(event.apiVersion)
})

const text = value => typeof value === 'bigint' ? Number(value) : value
const delay = ms => new Promise(resolve => setTimeout(resolve, ms))

async function waitFor(condition, what, seconds = args.maxSeconds) {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > seconds * 1000) throw new Error(`timed out waiting for ${what}`)
    await delay(50)
  }
}

function consumer(group, extra = {}) {
  return new Consumer({ clientId: `plat-${group}`, groupId: group, ...base, deserializers: stringDeserializers,
    sessionTimeout: 10000, heartbeatInterval: 500, rebalanceTimeout: 10000, maxWaitTime: 300, ...extra })
}

// The partitions a group member owns, in order.
const partitionsOf = member => (member.assignments ?? []).flatMap(a => a.partitions).sort((a, b) => a - b)

// After a rebalance: the client delivers what a fetch sent before it returns even for partitions the member no longer
// owns (messages-stream.js checks no assignment when the response comes), so a long poll (maxWaitTime 300 ms) still in
// flight would take the next records from the new owner. Waiting it out lets each member read its own partitions.
const settle = () => delay(1000)

// Reads the stream's records into `records` as { partition, offset, key, value, headers }.
function collect(stream, records, member) {
  stream.on('data', m => records.push({ member, partition: m.partition, offset: text(m.offset), key: m.key, value: m.value,
    headers: Object.fromEntries([...m.headers].map(([k, v]) => [String(k), String(v)])) }))
}

// Creates --topic with --partitions partitions (4 unless given) and --replication replicas.
async function createTopic() {
  const client = new Admin({ clientId: 'plat-setup', ...base })
  await client.createTopics({ topics: [args.topic], partitions: args.partitions, replicas: args.replication })
  await client.close()
}

function messages(topic, prefix, count, headers = {}) {
  return Array.from({ length: count }, (_, i) => ({ topic, key: `${prefix}-key-${i}`, value: `${prefix}-${i}`, headers: { index: String(i), ...headers } }))
}

// Topics and configs: CreateTopics, Metadata (topic ids), CreatePartitions, DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs, DescribeLogDirs (every broker), ListOffsets, DeleteRecords, DeleteTopics.
async function admin() {
  const client = new Admin({ clientId: 'plat-admin', ...base })
  const kept = args.topic, deleted = `${args.topic}-deleted`
  const created = await client.createTopics({ topics: [kept, deleted], partitions: 3, replicas: 3, configs: [{ name: 'retention.ms', value: '3600000' }] })
  await client.createPartitions({ topics: [{ name: kept, count: 5 }] })
  const metadata = await client.metadata({ topics: [kept], forceUpdate: true })
  const topic = metadata.topics.get(kept)
  const describe = async () => (await client.describeConfigs({ resources: [{ resourceType: 2, resourceName: kept, configurationKeys: ['retention.ms', 'cleanup.policy'] }] }))[0]
    .configs.map(c => ({ name: c.name, value: c.value, source: c.configSource }))
  const configsAtCreation = await describe()
  await client.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: kept, configs: [{ name: 'retention.ms', configOperation: 0, value: '7200000' }] }] })
  const configsAfterIncremental = await describe()
  await client.alterConfigs({ resources: [{ resourceType: 2, resourceName: kept, configs: [{ name: 'cleanup.policy', value: 'compact' }] }] })
  const configsAfterAlter = await describe()
  const producer = new Producer({ clientId: 'plat-admin-producer', ...base, serializers: stringSerializers })
  await producer.send({ acks: -1, messages: messages(kept, 'admin', 6).map(m => ({ ...m, partition: 0 })) })
  await producer.close()
  const logDirs = (await client.describeLogDirs({ topics: [{ name: kept, partitions: [0, 1, 2, 3, 4] }] })).map(b => ({
    broker: b.broker, dirs: b.results.map(d => ({ logDir: d.logDir, partitions: d.topics.flatMap(t => t.partitions.map(p => ({ partition: p.partitionIndex, size: text(p.partitionSize) }))) }))
  }))
  const deletedRecords = await client.deleteRecords({ topics: [{ name: kept, partitions: [{ partition: 0, offset: 2n }] }] })
  const offsets = await client.listOffsets({ topics: [{ name: kept, partitions: [{ partitionIndex: 0, timestamp: -2n }, { partitionIndex: 1, timestamp: -1n }] }] })
  const endOffset = (await client.listOffsets({ topics: [{ name: kept, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }))[0].partitions[0].offset
  await client.deleteTopics({ topics: [deleted] })
  const listed = await client.listTopics()
  await client.close()
  return {
    created: created.map(t => ({ name: t.name, id: t.id, partitions: t.partitions, replicas: t.replicas })),
    topicId: topic.id, partitions: topic.partitionsCount, replicas: topic.partitions.map(p => p.replicas.length),
    configsAtCreation, configsAfterIncremental, configsAfterAlter, logDirs,
    lowWatermark: text(deletedRecords[0].partitions[0].lowWatermark),
    earliest: text(offsets[0].partitions.find(p => p.partitionIndex === 0).offset), latestOfEmpty: text(offsets[0].partitions.find(p => p.partitionIndex === 1).offset),
    latest: text(endOffset), listed: listed.includes(kept), deletedListed: listed.includes(deleted)
  }
}

// Producing with acks all and 1, each compression the client has on Node 20 (its zstd needs Node 22's zlib), and
// an idempotent producer; then one group consumer from earliest reads everything back with keys and headers.
async function produceConsume() {
  await createTopic()
  const producer = new Producer({ clientId: 'plat-producer', ...base, serializers: stringSerializers })
  const sent = []
  for (const compression of ['none', 'gzip', 'snappy', 'lz4']) {
    for (const acks of [-1, 1]) {
      const batch = messages(args.topic, `${compression}-acks${acks}`, 5, { compression })
      const result = await producer.send({ acks, compression, messages: batch })
      sent.push({ compression, acks, offsets: result.offsets.length })
    }
  }
  await producer.close()
  const idempotent = new Producer({ clientId: 'plat-idempotent', ...base, serializers: stringSerializers, idempotent: true })
  await idempotent.send({ messages: messages(args.topic, 'idempotent', 10) })
  const producerId = text(idempotent.producerId)
  await idempotent.close()

  const records = []
  const client = consumer(args.group)
  collect(await client.consume({ topics: [args.topic], mode: 'earliest', autocommit: false }), records, 'earliest')
  await waitFor(() => records.length >= 50, '50 records')
  await client.close(true)
  return { sent, producerId, consumed: records.length, records }
}

// The start both group scenarios share: 12 records produced to a new topic; a first member (from newMember, given
// 'first' or 'second') reads them all from earliest, a second joins from the committed offsets and the partitions are
// shared between them; 8 more records are produced and read. beforeSecond(first) runs before the second member joins.
async function twoMembers(producerId, newMember, beforeSecond = () => {}) {
  await createTopic()
  const topic = args.topic
  const producer = new Producer({ clientId: producerId, ...base, serializers: stringSerializers })
  await producer.send({ acks: -1, messages: messages(topic, 'before', 12) })
  const records = []
  const first = newMember('first')
  collect(await first.consume({ topics: [topic], mode: 'earliest', autocommit: 100 }), records, 'first')
  await waitFor(() => records.length >= 12, '12 records by the first member')
  const assignedAlone = partitionsOf(first)
  beforeSecond(first)
  const second = newMember('second')
  collect(await second.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: 100 }), records, 'second')
  await waitFor(() => partitionsOf(first).length > 0 && partitionsOf(second).length > 0 && partitionsOf(first).length + partitionsOf(second).length === 4, 'the rebalance')
  const assignedShared = [partitionsOf(first), partitionsOf(second)]
  await settle()
  await producer.send({ acks: -1, messages: messages(topic, 'after', 8) })
  await waitFor(() => records.length >= 20, '20 records')
  return { producer, records, first, second, assignedAlone, assignedShared }
}

// A group of two: the first member takes every partition from earliest and commits; the second joins and the
// group rebalances; the committed offsets are read back (OffsetFetch), the group listed and described; a member
// starting from latest sees only what is produced after it joined; the admin alters, deletes and lists offsets.
async function group() {
  const topic = args.topic, groupId = args.group
  let rebalanced = false
  const { producer, records, first, second, assignedAlone, assignedShared } = await twoMembers('plat-group-producer', () => consumer(groupId),
    first => first.on('consumer:group:rebalance', () => { rebalanced = true }))
  await delay(300) // one more auto commit round after the last record

  const latestRecords = []
  const latest = consumer(`${groupId}-latest`)
  collect(await latest.consume({ topics: [topic], mode: 'latest', autocommit: false }), latestRecords, 'latest')
  await waitFor(() => (latest.assignments ?? []).length > 0, 'the latest member to join')
  await delay(500)
  await producer.send({ acks: -1, messages: messages(topic, 'late', 4) })
  await waitFor(() => latestRecords.length >= 4 && records.length >= 24, 'the late records')

  await delay(300) // the auto commit of the late records, before the manual commit
  const manualCommitPartition = partitionsOf(first)[0]
  await first.commit({ offsets: [{ topic, partition: manualCommitPartition, offset: 1n, leaderEpoch: 0 }] })
  const endOffsets = await first.listOffsets({ topics: [topic] })
  const lag = await first.getLag({ topics: [topic] })
  const admin = new Admin({ clientId: 'plat-group-admin', ...base })
  const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId)
  const listed = await admin.listGroups()
  const listedOffsets = await admin.listConsumerGroupOffsets({ groups: [groupId] })
  await second.close(true)
  await first.close(true)
  await latest.close(true)
  const committed = listedOffsets[0].topics.flatMap(t => t.partitions.map(p => ({ partition: p.partitionIndex, offset: text(p.committedOffset) })))
    .sort((a, b) => a.partition - b.partition)
  await admin.alterConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionOffsets: [{ partition: 1, offset: 0n }] }] })
  await admin.deleteConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionIndexes: [2] }] })
  const afterAdmin = (await admin.listConsumerGroupOffsets({ groups: [groupId] }))[0].topics.flatMap(t => t.partitions.map(p => ({ partition: p.partitionIndex, offset: text(p.committedOffset) })))
    .sort((a, b) => a.partition - b.partition)
  const stateAfterClose = (await admin.describeGroups({ groups: [groupId] })).get(groupId).state
  await admin.deleteGroups({ groups: [groupId] })
  const listedAfterDelete = (await admin.listGroups()).has(groupId)
  await admin.close()
  await producer.close()
  return {
    assignedAlone, assignedShared, rebalanced, manualCommitPartition,
    consumed: records.length, values: records.map(r => r.value), members: [...new Set(records.map(r => r.member))],
    latestValues: latestRecords.map(r => r.value),
    endOffsets: endOffsets.get(topic).map(text), lag: lag.get(topic).map(text), committed, afterAdmin,
    described: { state: described.state, protocol: described.protocol, members: described.members.size },
    listedState: listed.get(groupId)?.state, stateAfterClose, listedAfterDelete
  }
}

// The consumer group protocol of KIP-848 (ConsumerGroupHeartbeat; the broker assigns): a first member takes every
// partition, a second joins and the broker moves half of them to it; the admin lists the group with its type and
// describes it with DescribeGroups v5, which for a group of this protocol says "Dead" without an error, as Kafka 4.
async function consumerProtocol() {
  const groupId = args.group
  const { producer, records, first, second, assignedAlone, assignedShared } = await twoMembers('plat-848-producer',
    id => consumer(groupId, { clientId: `plat-848-${id}`, groupProtocol: 'consumer' }))
  const admin = new Admin({ clientId: 'plat-848-admin', ...base })
  const listed = (await admin.listGroups({ types: ['consumer'] })).get(groupId)
  const described = (await admin.describeGroups({ groups: [groupId] })).get(groupId)
  await second.close(true)
  await first.close(true)
  await admin.close()
  await producer.close()
  return {
    assignedAlone, assignedShared, values: records.map(r => r.value), members: [...new Set(records.map(r => r.member))],
    listed: { type: listed?.groupType, state: listed?.state, protocolType: listed?.protocolType },
    described: { state: described.state, members: described.members.size }
  }
}

// Transactions: one committed, one aborted; a read_committed consumer sees only the committed records.
async function transactions() {
  await createTopic()
  const producer = new Producer({ clientId: 'plat-tx', ...base, serializers: stringSerializers, idempotent: true, transactionalId: `${args.group}-tx` })
  const committed = await producer.beginTransaction()
  await committed.send({ messages: messages(args.topic, 'committed', 5) })
  await committed.commit()
  const aborted = await producer.beginTransaction()
  await aborted.send({ messages: messages(args.topic, 'aborted', 5) })
  await aborted.abort()
  const last = await producer.beginTransaction()
  await last.send({ messages: messages(args.topic, 'last', 1).map(m => ({ ...m, partition: 0 })) })
  await last.commit()
  await producer.close()

  const records = []
  const client = consumer(args.group, { isolationLevel: 1 })
  collect(await client.consume({ topics: [args.topic], mode: 'earliest', autocommit: false }), records, 'read_committed')
  await waitFor(() => records.some(r => r.value === 'last-0'), 'the last committed record')
  await delay(500)
  await client.close(true)
  return { values: records.map(r => r.value) }
}

const commands = { admin, 'produce-consume': produceConsume, group, 'consumer-protocol': consumerProtocol, transactions }
commands[args.command]()
  .then(result => { process.stdout.write(JSON.stringify({ ...result, apiVersions }) + '\n'); process.exit(0) },
    err => { console.error(err?.stack ?? err, JSON.stringify(err?.errors?.map(e => e.message) ?? '')); process.exit(1) })
