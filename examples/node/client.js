// A dialogue server's client in Node.js: runs the restaurant conversation of
// examples/restaurant.chat over one Converse stream, printing the bot's text as it streams in
// and the state after each turn. Each turn is sent once the previous one is answered.
//
//   npm ci && node client.js [HOST:PORT]
//
// DIALOGUE_TOKEN: the server's bearer token; DIALOGUE_CA: a PEM certificate to trust (TLS).
// Exits with status 1 if a turn fails or the conversation does not end.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const ROOT = path.resolve(__dirname, '..', '..');
const definition = protoLoader.loadSync(path.join(ROOT, 'proto', 'dialogue', 'v1', 'dialogue.proto'), {
  keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true,
});
const { DialogueService } = grpc.loadPackageDefinition(definition).dialogue.v1;

// google.protobuf.Value and Struct as plain JavaScript values.
function plain(value) {
  switch (value.kind) {
    case 'structValue': return struct(value.structValue);
    case 'listValue': return value.listValue.values.map(plain);
    case 'nullValue': case undefined: return null;
    default: return value[value.kind];
  }
}
function struct(message) {
  return Object.fromEntries(Object.entries((message && message.fields) || {}).map(([k, v]) => [k, plain(v)]));
}

function unary(client, method, request, metadata) {
  return new Promise((resolve, reject) => client[method](request, metadata, { deadline: Date.now() + 10000 },
    (error, response) => (error ? reject(error) : resolve(response))));
}

function showState(result) {
  const state = result.state;
  let where = state.active_task || 'no task';
  if (state.fsm_state) where += ` @ ${state.fsm_state}`;
  else if (state.requested_slot) where += ` (asking ${state.requested_slot})`;
  const slots = Object.entries(struct(state.slots)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || '-';
  console.log(`     task: ${where} | stack: ${state.stack.join(' > ') || '-'} | slots: ${slots}`);
}

async function main() {
  const target = process.argv[2] || 'localhost:50051';
  const credentials = process.env.DIALOGUE_CA
    ? grpc.credentials.createSsl(fs.readFileSync(process.env.DIALOGUE_CA))
    : grpc.credentials.createInsecure();
  // Ping a quiet connection every 30 s (the server lets clients ping every 10 s), so that a
  // long call's idle stream stays open through proxies and a dead server is noticed.
  const client = new DialogueService(target, credentials, {
    'grpc.keepalive_time_ms': 30000,
    'grpc.keepalive_timeout_ms': 10000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  const metadata = new grpc.Metadata();
  if (process.env.DIALOGUE_TOKEN) metadata.add('authorization', `Bearer ${process.env.DIALOGUE_TOKEN}`);
  await new Promise((resolve, reject) => client.waitForReady(Date.now() + 30000,
    (error) => (error ? reject(new Error(`no dialogue server answered at ${target}: ${error.message}`)) : resolve())));

  const { domains } = await unary(client, 'ListDomains', {}, metadata);
  const restaurant = domains.find((domain) => domain.name === 'restaurant');
  if (!restaurant || !restaurant.free_text) {
    throw new Error('the server must host the restaurant domain with its trained NLU model');
  }

  const lines = fs.readFileSync(path.join(ROOT, 'examples', 'restaurant.chat'), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const sessionId = `node-${process.pid}-${Date.now()}`;
  const waiting = new Map(); // sequence -> resolve, called with the turn's last event
  let failed = false;
  let last = null;
  let open = false;
  const call = client.Converse(metadata);
  call.on('data', (event) => {
    if (event.event === 'chunk') {
      const chunk = event.chunk;
      process.stdout.write(`${open ? '' : 'bot> '}${chunk.text}${chunk.last ? '\n' : ''}`);
      open = !chunk.last; // a message's text may come in several chunks (when generation streams)
      return;
    }
    if (event.event === 'result') {
      last = event.result;
      showState(event.result);
    } else if (event.event === 'error') {
      failed = true;
      console.log(`     error: ${event.error.message}`);
    }
    waiting.get(event.sequence)(event);
  });
  const ended = new Promise((resolve, reject) => {
    call.on('status', (status) => (status.code === grpc.status.OK ? resolve() : reject(
      new Error(`the stream ended with ${status.code}: ${status.details}`))));
    call.on('error', () => {}); // reported through 'status'
  });

  for (const [index, line] of lines.entries()) {
    console.log(`you> ${line}`);
    const answered = new Promise((resolve) => waiting.set(index + 1, resolve));
    call.write({ turn: { domain: 'restaurant', session_id: sessionId, user_id: 'node-client', text: line } });
    await answered;
  }
  call.end();
  await ended;

  const session = await unary(client, 'GetSession', { domain: 'restaurant', session_id: sessionId }, metadata);
  client.close();
  if (failed || !last || !last.ended) {
    throw new Error('the conversation did not end as scripted');
  }
  console.log(`conversation ended after ${session.turn} turns`);
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
