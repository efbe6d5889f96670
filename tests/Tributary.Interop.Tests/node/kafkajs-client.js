// Drives kafkajs 2.2.4, a client we did not write, for the interop tests. Each subcommand prints one JSON
// object on stdout so the C# test can assert on what the client saw; exit code 0 means no error.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');

function parseArgs(argv) {
  const args = { command: argv[0], partitions: 4, replication: 1, start: 0, count: 0, maxSeconds: 30, minSeconds: 0, idleMs: 3000 };
  for (let i = 1; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const value = argv[i + 1];
    args[name] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return args;
}

async function createTopic(kafka, args) {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({ topics: [{ topic: args.topic, numPartitions: args.partitions, replicationFactor: args.replication }], waitForLeaders: true });
  const topics = await admin.listTopics();
  const metadata = await admin.fetchTopicMetadata({ topics: [args.topic] });
  await admin.disconnect();
  return { created, listed: topics.includes(args.topic), partitions: metadata.topics[0].partitions.length };
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
  const records = [];
  const assignments = [];
  let lastMessageAt = Date.now();
  consumer.on(consumer.events.GROUP_JOIN, e => { assignments.push((e.payload.memberAssignment[args.topic] || []).slice().sort((a, b) => a - b)); });
  await consumer.run({
    autoCommit: args.commit === 'true',
    autoCommitThreshold: 1,
    eachMessage: async ({ partition, message }) => {
      lastMessageAt = Date.now();
      const headers = {};
      for (const [k, v] of Object.entries(message.headers || {})) headers[k] = v.toString();
      records.push({ partition, offset: Number(message.offset), key: message.key && message.key.toString(), value: message.value && message.value.toString(), headers });
    },
  });
  const started = Date.now();
  while (Date.now() - started < args.maxSeconds * 1000) {
    const satisfied = args.count > 0 ? records.length >= args.count : records.length > 0 && Date.now() - lastMessageAt > args.idleMs;
    if (satisfied && Date.now() - started >= args.minSeconds * 1000) break;
    await new Promise(r => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return { consumed: records.length, records, assignments };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const kafka = new Kafka({ clientId: 'interop-kafkajs', brokers: args.bootstrap.split(','), logLevel: logLevel.WARN, retry: { retries: 8 } });
  const handlers = { 'create-topic': createTopic, produce, consume };
  const result = await handlers[args.command](kafka, args);
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(() => process.exit(0), err => { console.error(err && err.stack || err); process.exit(1); });
