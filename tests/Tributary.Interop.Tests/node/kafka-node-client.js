// Drives kafka-node 5.0.0, a client we did not write, for the interop tests. kafka-node speaks the protocol of
// Kafka 0.9-0.10 (Produce v0-2, Fetch v0-2, message formats 0 and 1, no headers). Each subcommand prints one
// JSON object on stdout; exit code 0 means the client raised nothing. Topics are created by the test.
const kafka = require('kafka-node');
const { waitForRecords, run } = require('./script-args');

// kafka-node's codec attribute: 0 none, 1 gzip (snappy needs a native module that is not built here).
const Codecs = { none: 0, gzip: 1 };

function produce(bootstrap, args) {
  const client = new kafka.KafkaClient({ kafkaHost: bootstrap, requestTimeout: 20000 });
  const producer = new kafka.Producer(client, { requireAcks: -1, ackTimeoutMs: 10000, partitionerType: 3 });
  const messages = [];
  for (let i = args.start; i < args.start + args.count; i++) messages.push(new kafka.KeyedMessage(`key-${i}`, `value-${i}`));
  return new Promise((resolve, reject) => {
    producer.on('error', reject);
    producer.on('ready', () => {
      // One request per message, so that the keyed partitioner spreads them over the partitions.
      const payloads = messages.map(m => ({ topic: args.topic, key: m.key, messages: [m], attributes: Codecs[args.compression || 'none'] }));
      producer.send(payloads, (err, result) => {
        if (err) return reject(err);
        const partitions = Object.keys(result[args.topic] || {}).map(Number).sort((a, b) => a - b);
        producer.close(() => resolve({ produced: messages.length, partitions }));
      });
    });
  });
}

async function consume(bootstrap, args) {
  const group = new kafka.ConsumerGroup({
    kafkaHost: bootstrap, groupId: args.group, fromOffset: 'earliest', autoCommit: false,
    sessionTimeout: 10000, heartbeatInterval: 500, protocol: ['roundrobin'], encoding: 'utf8', keyEncoding: 'utf8',
  }, [args.topic]);
  const state = { records: [], lastMessageAt: Date.now() };
  const assignments = [];
  let failure = null;
  group.on('error', err => { failure = err; });
  group.on('rebalanced', () => {
    const owned = (group.topicPayloads || []).filter(p => p.topic === args.topic).map(p => p.partition).sort((a, b) => a - b);
    assignments.push(owned);
  });
  group.on('message', m => {
    state.lastMessageAt = Date.now();
    state.records.push({ partition: m.partition, offset: m.offset, key: m.key, value: m.value, headers: {}, timestamp: m.timestamp ? new Date(m.timestamp).getTime() : null });
  });
  await waitForRecords(args, state);
  if (failure) throw failure;
  // close(commit) commits the offsets of what was consumed before leaving the group.
  await new Promise((resolve, reject) => group.close(args.commit === 'true', err => (err ? reject(err) : resolve())));
  return { consumed: state.records.length, records: state.records, assignments };
}

run({ produce, consume }, args => args.bootstrap);
