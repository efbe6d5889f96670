// What the client scripts (kafkajs-client.js, kafka-node-client.js) share: the command line the C# ScriptDriver
// passes, the wait of a consume command, and printing one JSON object per run.

function parseArgs(argv) {
  const args = { command: argv[0], partitions: 4, replication: 1, start: 0, count: 0, maxSeconds: 30, minSeconds: 0, idleMs: 3000 };
  for (let i = 1; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const value = argv[i + 1];
    args[name] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return args;
}

// Waits until `count` records arrived (or, when count is 0, until none arrived for idleMs), and at least minSeconds.
async function waitForRecords(args, state) {
  const started = Date.now();
  while (Date.now() - started < args.maxSeconds * 1000) {
    const satisfied = args.count > 0 ? state.records.length >= args.count : state.records.length > 0 && Date.now() - state.lastMessageAt > args.idleMs;
    if (satisfied && Date.now() - started >= args.minSeconds * 1000) break;
    await new Promise(r => setTimeout(r, 100));
  }
}

// Runs the handler of the command given and prints its result; exit code 0 means the client raised nothing.
function run(handlers, makeClient) {
  const args = parseArgs(process.argv.slice(2));
  Promise.resolve()
    .then(() => handlers[args.command](makeClient(args), args))
    .then(result => { process.stdout.write(JSON.stringify(result) + '\n'); process.exit(0); },
      err => { console.error(err && err.stack || err); process.exit(1); });
}

module.exports = { parseArgs, waitForRecords, run };
