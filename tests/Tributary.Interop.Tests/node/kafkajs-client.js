// Drives kafkajs 2.2.4, a client we did not write, for the interop tests. Each subcommand prints one JSON
// object on stdout so the C# test can assert on what the client saw; exit code 0 means no error.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');
const { waitForRecords, run } = require('./script-args');

async function createTopic(kafka, args) {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic: args.topic, numPartitions: args.partitions, replicationFactor: args.replication }], waitForLeaders: true });
  const topics = await admin.listTopics();
  const metadata = await admin.fetchTopicMetadata({ topics: [args.topic] });
  await admin.disconnect();
  return { created, listed: topics.includes(args.topic), partitions: metadata.topics[0].partitions.length };
}

// Asks for partition 0 of --topic to move to --replicas (comma-separated broker ids): AlterPartitionReassignments.
async function reassign(kafka, args) {
  const admin = kafka.admin();
  await admin.connect();
  const replicas = String(args.replicas).split(',').map(Number);
  await admin.alterPartitionReassignments({ topics: [{ topic: args.topic, partitionAssignment: [{ partition: 0, replicas }] }] });
  await admin.disconnect();
  return { requested: replicas };
}

// ListPartitionReassignments for partition 0 of --topic, and the partition's metadata.
async function listReassignments(kafka, args) {
  const admin = kafka.admin();
  await admin.connect();
  const listed = await admin.listPartitionReassignments({ topics: [{ topic: args.topic, partitions: [0] }] });
  const metadata = await admin.fetchTopicMetadata({ topics: [args.topic] });
  await admin.disconnect();
  const partition = metadata.topics[0].partitions[0];
  return { ongoing: listed.topics.flatMap(t => t.partitions), replicas: partition.replicas, isr: partition.isr, leader: partition.leader };
}

async function produce(kafka, args) {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: args.idempotent === 'true' });
  await producer.connect();
  const messages = [];
  for (let i = args.start; i < args.start + args.count; i++) {
    messages.push({ key: `key-${i}`, value: `value-${i}`, headers: { index: String(i), origin: 'kafkajs' } });
  }
  const results = await producer.send({ topic: args.topic, acks: -1, messages });
  await producer.disconnect();
  return { produced: messages.length, partitions: [...new Set(results.map(r => r.partition))].sort() };
}

async function consume(kafka, args) {
  const consumer = kafka.consumer({ groupId: args.group, sessionTimeout: 10000, heartbeatInterval: 500, rebalanceTimeout: 10000 });
  await consumer.connect();
  await consumer.subscribe({ topic: args.topic, fromBeginning: true });
  const state = { records: [], lastMessageAt: Date.now() };
  const assignments = [];
  consumer.on(consumer.events.GROUP_JOIN, e => { assignments.push((e.payload.memberAssignment[args.topic] || []).slice().sort((a, b) => a - b)); });
  await consumer.run({
    autoCommit: args.commit === 'true',
    autoCommitThreshold: 1,
    eachMessage: async ({ partition, message }) => {
      state.lastMessageAt = Date.now();
      const headers = {};
      for (const [k, v] of Object.entries(message.headers || {})) headers[k] = v.toString();
      state.records.push({ partition, offset: Number(message.offset), key: message.key && message.key.toString(), value: message.value && message.value.toString(), headers });
    },
  });
  await waitForRecords(args, state);
  await consumer.disconnect();
  return { consumed: state.records.length, records: state.records, assignments };
}

// An unsecured JWS (alg none, empty signature) for OAUTHBEARER, as Kafka's unsecured validator expects it.
function unsecuredToken(principal) {
  const encode = claims => Buffer.from(JSON.stringify(claims)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none' })}.${encode({ sub: principal, iat: now, exp: now + 3600 })}.`;
}

// The kafkajs ssl and sasl options for --security-protocol and its settings (the same flags as the kafka-python script).
function security(args) {
  const protocol = args.securityProtocol || 'PLAINTEXT';
  const options = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    options.ssl = { ca: args.sslCafile ? [fs.readFileSync(args.sslCafile)] : undefined };
    if (args.sslCertfile) Object.assign(options.ssl, { cert: fs.readFileSync(args.sslCertfile), key: fs.readFileSync(args.sslKeyfile) });
  }
  if (protocol.startsWith('SASL_')) {
    const mechanism = args.saslMechanism.toLowerCase();
    options.sasl = mechanism === 'oauthbearer'
      ? { mechanism, oauthBearerProvider: async () => ({ value: unsecuredToken(args.oauthPrincipal) }) }
      : { mechanism, username: args.saslUsername, password: args.saslPassword };
  }
  return options;
}

run({ 'create-topic': createTopic, produce, consume, reassign, 'list-reassignments': listReassignments },
  args => new Kafka({ clientId: 'interop-kafkajs', brokers: args.bootstrap.split(','), logLevel: logLevel.WARN, retry: { retries: args.retries ?? 8 }, ...security(args) }));
