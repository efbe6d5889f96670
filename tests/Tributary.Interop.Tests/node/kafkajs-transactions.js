// Drives kafkajs 2.2.4 transactions for the interop tests: one committed and one aborted transaction from a
// transactional producer, then a read_committed consumer (kafkajs filters aborted records with the broker's
// aborted-transaction list). Prints one JSON object; exit code 0 means no error.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');

function parseArgs(argv) {
  const args = { committed: 10, aborted: 5, maxSeconds: 30, idleMs: 2000 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const value = argv[i + 1];
    args[name] = /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return args;
}

function messages(prefix, count) {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-${i}` }));
}

async function produce(kafka, args) {
  const producer = kafka.producer({ transactionalId: args.transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const committed = await producer.transaction();
  await committed.send({ topic: args.topic, acks: -1, messages: messages('committed', args.committed) });
  await committed.commit();
  const aborted = await producer.transaction();
  await aborted.send({ topic: args.topic, acks: -1, messages: messages('aborted', args.aborted) });
  await aborted.abort();
  await producer.disconnect();
}

async function consumeCommitted(kafka, args) {
  const consumer = kafka.consumer({ groupId: args.group, readUncommitted: false, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic: args.topic, fromBeginning: true });
  const values = [];
  let lastMessageAt = Date.now();
  await consumer.run({ eachMessage: async ({ message }) => { lastMessageAt = Date.now(); values.push(message.value.toString()); } });
  const started = Date.now();
  while (Date.now() - started < args.maxSeconds * 1000) {
    if (values.length >= args.committed && Date.now() - lastMessageAt > args.idleMs) break;
    await new Promise(r => setTimeout(r, 100));
  }
  await consumer.disconnect();
  return values;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const kafka = new Kafka({ clientId: 'interop-kafkajs-tx', brokers: args.bootstrap.split(','), logLevel: logLevel.WARN, retry: { retries: 8 } });
  await produce(kafka, args);
  const readCommitted = await consumeCommitted(kafka, args);
  process.stdout.write(JSON.stringify({ readCommitted }) + '\n');
}

main().then(() => process.exit(0), err => { console.error(err && err.stack || err); process.exit(1); });
