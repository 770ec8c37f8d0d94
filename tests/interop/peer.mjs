// One js-libp2p peer for the lp2p interop tests, driven by flags; prints one JSON event per line on
// stdout (README.md lists roles, flags and events). Run it as ./peer, which uses the pinned Node (./node).
//
// Only node: built-ins are imported statically: the libp2p packages are imported dynamically *after*
// flag parsing so that --treat-as-public can register its module hook before @libp2p/utils loads.
import { parseArgs } from 'node:util'
import { createHash, createCipheriv, randomBytes } from 'node:crypto'
import { register } from 'node:module'

// libp2p 3.x calls Promise.withResolvers (Node >= 22). The pinned Node is 22; this only matters when
// someone runs the script with an older system node.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const ECHO = '/echo/1.0.0'
const SINK = '/lp2p-test/sink/1.0.0'
const RESET = '/lp2p-test/reset/1.0.0'
const PING = '/ipfs/ping/1.0.0'
const CHUNK = 64 * 1024
const MAX_STREAMS = 1024

// ---------------------------------------------------------------------------------------------- output
function replacer (_k, v) { return typeof v === 'bigint' ? v.toString() : v }
function out (obj) { process.stdout.write(JSON.stringify(obj, replacer) + '\n') }
function errMessage (err) {
  if (err == null) return 'unknown error'
  // Some libp2p paths reject with the stream's close/abort Event rather than an Error.
  if (typeof Event !== 'undefined' && err instanceof Event) {
    return err.error != null ? errMessage(err.error) : `stream event '${err.type}'`
  }
  const name = err.name != null && err.name !== 'Error' ? `${err.name}: ` : ''
  return name + (err.message ?? String(err))
}

// ----------------------------------------------------------------------------------------------- flags
const USAGE = `usage: peer.mjs [--listen MA]... [--seed N] [--dial MA [--expect-peer ID] [--ping N]
  [--echo-bytes B [--streams S] [--data-seed D]] [--half-close-test] [--reset-test] [--expect-direct]]
  [--relay [--relay-no-limits | --relay-data-limit BYTES --relay-duration-limit SECS]
           [--relay-max-reservations N] [--relay-reservation-ttl SECS]]
  [--relay-listen RELAY_MA] [--dcutr] [--treat-as-public testnet|all|CIDR[,CIDR...]] [--announce MA]...
  [--agent STR] [--no-identify] [--no-connection-monitor | --connection-monitor-abort] [--stay] [--exit-on-stdin-close]
  [--timeout SECS]`

let args
try {
  ({ values: args } = parseArgs({
    strict: true,
    options: {
      listen: { type: 'string', multiple: true, default: [] },
      seed: { type: 'string' },
      dial: { type: 'string' },
      'expect-peer': { type: 'string' },
      ping: { type: 'string', default: '0' },
      'echo-bytes': { type: 'string', default: '0' },
      streams: { type: 'string', default: '1' },
      'data-seed': { type: 'string', default: '1' },
      'half-close-test': { type: 'boolean', default: false },
      'reset-test': { type: 'boolean', default: false },
      'expect-direct': { type: 'boolean', default: false },
      relay: { type: 'boolean', default: false },
      'relay-no-limits': { type: 'boolean', default: false },
      'relay-data-limit': { type: 'string' },
      'relay-duration-limit': { type: 'string' },
      'relay-max-reservations': { type: 'string', default: '128' },
      'relay-reservation-ttl': { type: 'string' },
      'relay-listen': { type: 'string' },
      dcutr: { type: 'boolean', default: false },
      'treat-as-public': { type: 'string' },
      announce: { type: 'string', multiple: true, default: [] },
      agent: { type: 'string' },
      'no-identify': { type: 'boolean', default: false },
      'no-connection-monitor': { type: 'boolean', default: false },
      'connection-monitor-abort': { type: 'boolean', default: false },
      stay: { type: 'boolean', default: false },
      'exit-on-stdin-close': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      help: { type: 'boolean', default: false }
    }
  }))
} catch (err) {
  out({ event: 'error', message: `bad arguments: ${err.message}` })
  process.stderr.write(USAGE + '\n')
  process.exit(2)
}
if (args.help) {
  process.stdout.write(USAGE + '\n')
  process.exit(0)
}

function intFlag (name, min, max) {
  const s = args[name]
  if (s === undefined) return undefined
  if (!/^[0-9]+$/.test(s)) badFlag(`--${name} must be a non-negative integer, got '${s}'`)
  const n = Number(s)
  if (n < min || n > max) badFlag(`--${name} must be in [${min}, ${max}], got ${n}`)
  return n
}
function badFlag (message) {
  out({ event: 'error', message })
  process.stderr.write(USAGE + '\n')
  process.exit(2)
}

const seed = intFlag('seed', 0, 255)
const pingCount = intFlag('ping', 0, 100000)
const echoBytes = intFlag('echo-bytes', 0, 2 ** 40)
const streamCount = intFlag('streams', 1, MAX_STREAMS)
const dataSeed = intFlag('data-seed', 0, 2 ** 32)
const dialing = args.dial !== undefined
const serving = args.listen.length > 0 || args.relay || args['relay-listen'] !== undefined
const timeoutSecs = intFlag('timeout', 1, 86400) ?? (dialing && !args.stay ? 60 : 600)
if (!dialing && !serving) badFlag('nothing to do: give --listen, --relay, --relay-listen or --dial')
for (const f of ['expect-peer', 'expect-direct', 'half-close-test', 'reset-test']) {
  if (!dialing && args[f] !== undefined && args[f] !== false) badFlag(`--${f} needs --dial`)
}
if ((pingCount > 0 || echoBytes > 0) && !dialing) badFlag('--ping/--echo-bytes need --dial')
if (args['relay-no-limits'] && (args['relay-data-limit'] !== undefined || args['relay-duration-limit'] !== undefined)) {
  badFlag('--relay-no-limits conflicts with --relay-data-limit/--relay-duration-limit')
}

// --treat-as-public: which IPs js-libp2p must consider public (see public-hook.mjs).
const TESTNET = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']
let publicRanges = null
if (args['treat-as-public'] !== undefined) {
  const spec = args['treat-as-public']
  publicRanges = spec === 'all'
    ? ['all']
    : spec.split(',').flatMap(s => (s === 'testnet' ? TESTNET : [s.trim()])).filter(s => s !== '')
  const matchers = []
  for (const cidr of publicRanges) {
    if (cidr === 'all') { matchers.push(() => true); continue }
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr)
    if (m == null || m.slice(1, 5).some(o => Number(o) > 255) || Number(m[5]) > 32) {
      badFlag(`--treat-as-public: '${cidr}' is not 'all', 'testnet' or an IPv4 CIDR`)
    }
    const bits = Number(m[5])
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    const net = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0
    matchers.push(ip => {
      const p = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip)
      if (p == null) return false
      const v = ((Number(p[1]) << 24) | (Number(p[2]) << 16) | (Number(p[3]) << 8) | Number(p[4])) >>> 0
      return ((v & mask) >>> 0) === ((net & mask) >>> 0)
    })
  }
  globalThis.__lp2pTreatAsPublic = ip => matchers.some(f => f(ip))
  register('./public-hook.mjs', import.meta.url)
}

// ----------------------------------------------------------------------------- lifetime and failure
// Installed before libp2p loads so that every failure, even during start-up, ends as an 'error' event.
let node
let exiting = false
async function finish (code, event) {
  if (exiting) return
  exiting = true
  clearTimeout(overallTimer)
  if (event != null) out(event)
  if (node !== undefined) {
    await Promise.race([node.stop().catch(() => {}), new Promise(resolve => setTimeout(resolve, 3000))])
  }
  process.exit(code)
}
function fail (err) {
  return finish(1, { event: 'error', message: errMessage(err) })
}
const overallTimer = setTimeout(() => {
  finish(3, { event: 'error', message: `overall timeout of ${timeoutSecs}s reached` })
}, timeoutSecs * 1000)
process.on('unhandledRejection', err => { fail(err) })
process.on('uncaughtException', err => { fail(err) })
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { finish(0, { event: 'done', ok: true, reason: sig }) })
}
if (args['exit-on-stdin-close']) {
  process.stdin.on('end', () => { finish(0, { event: 'done', ok: true, reason: 'stdin closed' }) })
  process.stdin.on('error', () => { finish(0, { event: 'done', ok: true, reason: 'stdin closed' }) })
  process.stdin.resume()
}

// -------------------------------------------------------------------------------------- libp2p imports
const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { circuitRelayServer, circuitRelayTransport } = await import('@libp2p/circuit-relay-v2')
const { dcutr } = await import('@libp2p/dcutr')
const { generateKeyPair, generateKeyPairFromSeed } = await import('@libp2p/crypto/keys')
const { multiaddr } = await import('@multiformats/multiaddr')
const { peerIdFromString } = await import('@libp2p/peer-id')
const { isPrivate } = await import('@libp2p/utils')

if (publicRanges != null) {
  // Prove the hook is active before relying on it.
  const probe = publicRanges[0] === 'all' ? '203.0.113.1' : publicRanges[0].split('/')[0]
  if (isPrivate(multiaddr(`/ip4/${probe}/tcp/1`))) {
    out({ event: 'error', message: `--treat-as-public is not effective (${probe} still private)` })
    process.exit(1)
  }
}

// ---------------------------------------------------------------------------------------- node set-up
// The rust examples' key derivation: Ed25519 secret key = 32-byte seed [N, 0, ..., 0].
const privateKey = seed === undefined
  ? await generateKeyPair('Ed25519')
  : await generateKeyPairFromSeed('Ed25519', Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? seed : 0)))

const listenAddrs = [...args.listen]
if (args['relay-listen'] !== undefined) {
  const relayMa = multiaddr(args['relay-listen'])
  if (relayMa.getComponents().find(c => c.name === 'p2p') == null) {
    badFlag('--relay-listen needs the relay address with /p2p/<relay id>')
  }
  listenAddrs.push(relayMa.encapsulate('/p2p-circuit').toString())
}

let relayInit
if (args.relay) {
  const ttl = intFlag('relay-reservation-ttl', 1, 86400)
  const data = intFlag('relay-data-limit', 1, 2 ** 50)
  const duration = intFlag('relay-duration-limit', 1, 86400)
  relayInit = {
    reservations: {
      maxReservations: intFlag('relay-max-reservations', 1, 100000),
      applyDefaultLimit: !args['relay-no-limits'],
      ...(ttl !== undefined ? { reservationTtl: ttl * 1000 } : {}),
      ...(data !== undefined ? { defaultDataLimit: BigInt(data) } : {}),
      ...(duration !== undefined ? { defaultDurationLimit: duration * 1000 } : {})
    },
    maxInboundHopStreams: 256,
    maxOutboundHopStreams: 256,
    maxOutboundStopStreams: 256
  }
}

const services = {
  identify: identify({ runOnLimitedConnection: true, maxInboundStreams: 64, maxOutboundStreams: 64 }),
  ping: ping({ runOnLimitedConnection: true, maxInboundStreams: 64, maxOutboundStreams: 64 })
}
if (args.dcutr) services.dcutr = dcutr()
if (relayInit !== undefined) services.relay = circuitRelayServer(relayInit)

node = await createLibp2p({
  privateKey,
  start: false,
  addresses: {
    listen: listenAddrs,
    ...(args.announce.length > 0 ? { announce: args.announce } : {})
  },
  transports: [
    tcp(),
    circuitRelayTransport({ reservationCompletionTimeout: 10_000 })
  ],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  // Loose limits: tests open many connections from one loopback IP in a short time.
  connectionManager: {
    maxConnections: 1000,
    maxIncomingPendingConnections: 256,
    inboundConnectionThreshold: 1_000_000,
    maxParallelDials: 100
  },
  connectionGater: {}, // Node's default: deny nothing
  // The connection monitor pings every connection each 10 s and, by default, aborts the connection
  // when a ping misses its adaptive timeout, which happens on a busy 2-core machine while a stream
  // saturates the connection. Keep the pings (they exercise the remote's ping handler) but don't
  // abort unless --connection-monitor-abort asks for the stock behaviour.
  connectionMonitor: {
    enabled: !args['no-connection-monitor'],
    abortConnectionOnPingFailure: args['connection-monitor-abort']
  },
  ...(args.agent !== undefined ? { nodeInfo: { userAgent: args.agent } } : {}),
  services
})
const selfId = node.peerId.toString()

// ----------------------------------------------------------------------------------------- events
const isCircuit = ma => ma.toString().includes('/p2p-circuit')
const numOrNull = v => (v == null ? null : Number(v))
function connInfo (conn) {
  return {
    peerId: conn.remotePeer.toString(),
    remoteAddr: conn.remoteAddr.toString(),
    direction: conn.direction,
    relayed: isCircuit(conn.remoteAddr),
    limited: conn.limits != null,
    // The relay transport exposes the remaining limits as (non-enumerable) getters.
    ...(conn.limits != null ? { limits: { bytes: numOrNull(conn.limits.bytes), seconds: numOrNull(conn.limits.seconds) } } : {}),
    encryption: conn.encryption,
    multiplexer: conn.multiplexer
  }
}
node.addEventListener('connection:open', evt => out({ event: 'connected', ...connInfo(evt.detail) }))
node.addEventListener('connection:close', evt => out({ event: 'disconnected', ...connInfo(evt.detail) }))

const identified = new Map() // peerId string -> IdentifyResult (latest)
const identifyWaiters = new Map() // peerId string -> [resolve]
node.addEventListener('peer:identify', evt => {
  const r = evt.detail
  const id = r.peerId.toString()
  out({
    event: 'identify',
    peerId: id,
    agentVersion: r.agentVersion,
    protocolVersion: r.protocolVersion,
    protocols: [...r.protocols].sort(),
    listenAddrs: r.listenAddrs.map(a => a.toString()),
    observedAddr: r.observedAddr?.toString(),
    relayed: isCircuit(r.connection.remoteAddr)
  })
  identified.set(id, r)
  for (const resolve of identifyWaiters.get(id) ?? []) resolve(r)
  identifyWaiters.delete(id)
})
function waitIdentify (peerId, signal) {
  const id = peerId.toString()
  if (identified.has(id)) return Promise.resolve(identified.get(id))
  return new Promise((resolve, reject) => {
    const list = identifyWaiters.get(id) ?? []
    list.push(resolve)
    identifyWaiters.set(id, list)
    signal.addEventListener('abort', () => reject(new Error(`no identify from ${id}: ${signal.reason?.message ?? 'aborted'}`)))
  })
}

// ----------------------------------------------------------------------------------------- helpers
const toBytes = chunk => (chunk instanceof Uint8Array ? chunk : chunk.subarray())

// Deterministic pseudo-random bytes: the AES-128-CTR keystream under a key derived from (data seed,
// stream index). Fast (native) and reproducible from the two numbers alone.
const ZEROS = new Uint8Array(CHUNK)
function dataGenerator (streamIndex) {
  const key = createHash('sha256').update(`lp2p-interop-data:${dataSeed}:${streamIndex}`).digest().subarray(0, 16)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  return n => cipher.update(n <= CHUNK ? ZEROS.subarray(0, n) : new Uint8Array(n))
}

async function sendAll (stream, bytes, signal) {
  if (!stream.send(bytes)) await stream.onDrain({ signal })
}

const streamOpts = signal => ({ runOnLimitedConnection: true, maxOutboundStreams: MAX_STREAMS, signal })

// ------------------------------------------------------------------------------- protocol handlers
const handlerOpts = { runOnLimitedConnection: true, maxInboundStreams: MAX_STREAMS, maxOutboundStreams: MAX_STREAMS }

// /echo/1.0.0: echo every byte; when the remote half-closes, finish writing, then close.
await node.handle(ECHO, async (stream, conn) => {
  let n = 0
  try {
    for await (const chunk of stream) {
      const b = toBytes(chunk)
      n += b.byteLength
      await sendAll(stream, b)
    }
    await stream.close()
    out({ event: 'served', protocol: ECHO, peerId: conn.remotePeer.toString(), bytes: n })
  } catch (err) {
    out({ event: 'stream_error', protocol: ECHO, peerId: conn.remotePeer.toString(), bytes: n, message: errMessage(err) })
    stream.abort(err)
  }
}, handlerOpts)

// /lp2p-test/sink/1.0.0: read until EOF, then write the lowercase sha256 hex of what was read, close.
await node.handle(SINK, async (stream, conn) => {
  let n = 0
  const h = createHash('sha256')
  try {
    for await (const chunk of stream) {
      const b = toBytes(chunk)
      n += b.byteLength
      h.update(b)
    }
    const hex = h.digest('hex')
    await sendAll(stream, new TextEncoder().encode(hex))
    await stream.close()
    out({ event: 'served', protocol: SINK, peerId: conn.remotePeer.toString(), bytes: n, sha256: hex })
  } catch (err) {
    out({ event: 'stream_error', protocol: SINK, peerId: conn.remotePeer.toString(), bytes: n, message: errMessage(err) })
    stream.abort(err)
  }
}, handlerOpts)

// /lp2p-test/reset/1.0.0: read one byte, then reset the stream.
await node.handle(RESET, async (stream, conn) => {
  try {
    for await (const chunk of stream) {
      if (toBytes(chunk).byteLength > 0) break
    }
    stream.abort(new Error('lp2p-test: reset on purpose'))
    out({ event: 'served', protocol: RESET, peerId: conn.remotePeer.toString(), reset: true })
  } catch (err) {
    out({ event: 'stream_error', protocol: RESET, peerId: conn.remotePeer.toString(), message: errMessage(err) })
    stream.abort(err)
  }
}, handlerOpts)

// The relay server emits no event per reservation, so watch its reservation table.
if (services.relay !== undefined) {
  const known = new Map()
  setInterval(() => {
    const now = new Map()
    for (const [peerId, r] of node.services.relay.reservations.entries()) {
      const id = peerId.toString()
      now.set(id, r)
      if (!known.has(id)) {
        out({ event: 'reservation', peerId: id, addr: r.addr.toString(), expiry: r.expiry.toISOString(), limit: r.limit ?? null })
      }
    }
    for (const id of known.keys()) {
      if (!now.has(id)) out({ event: 'reservation_removed', peerId: id })
    }
    known.clear()
    for (const [id, r] of now) known.set(id, r)
  }, 100).unref()
}

// --------------------------------------------------------------------------------------------- start
await node.start()

// With treated-as-public listen addresses the address manager would wait for AutoNAT to verify them
// before announcing them (private ones are trusted at once); the lab has no AutoNAT servers, so trust
// our own listen addresses, like the stock code does for private ones.
if (publicRanges != null && args.announce.length === 0) {
  for (const ma of node.components.transportManager.getAddrs()) {
    if (!isCircuit(ma)) node.components.addressManager.confirmObservedAddr(ma, { type: 'transport' })
  }
}

if (serving) {
  out({
    event: 'listening',
    peerId: selfId,
    addrs: node.getMultiaddrs().map(a => a.toString()),
    ...(publicRanges != null ? { treatAsPublic: publicRanges } : {}),
    relay: args.relay
  })
}

if (args['relay-listen'] !== undefined) {
  // The circuit listener reserves on start; wait until the circuit address shows up.
  const deadline = Date.now() + 15_000
  let circuits = []
  while (Date.now() < deadline) {
    circuits = node.getMultiaddrs().filter(isCircuit)
    if (circuits.length > 0) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  if (circuits.length === 0) {
    await fail(new Error(`no reservation on ${args['relay-listen']} within 15s`))
  }
  out({ event: 'reserved', peerId: selfId, relay: args['relay-listen'], addrs: circuits.map(a => a.toString()) })
}

// -------------------------------------------------------------------------------------------- dialer
async function echoOne (conn, index, bytes, signal) {
  const stream = await conn.newStream(ECHO, streamOpts(signal))
  const next = dataGenerator(index)
  const expected = dataGenerator(index)
  const sentHash = createHash('sha256')
  const recvHash = createHash('sha256')
  const start = Date.now()
  let received = 0
  const reader = (async () => {
    for await (const chunk of stream) {
      const b = toBytes(chunk)
      if (received + b.byteLength > bytes) throw new Error(`echo stream ${index}: got more than the ${bytes} bytes sent`)
      const want = expected(b.byteLength)
      if (Buffer.compare(Buffer.from(b.buffer, b.byteOffset, b.byteLength), want) !== 0) {
        throw new Error(`echo stream ${index}: data mismatch within bytes [${received}, ${received + b.byteLength})`)
      }
      recvHash.update(b)
      received += b.byteLength
    }
  })()
  const writer = (async () => {
    let sent = 0
    while (sent < bytes) {
      const c = next(Math.min(CHUNK, bytes - sent))
      sentHash.update(c)
      await sendAll(stream, c, signal)
      sent += c.byteLength
    }
    await stream.close({ signal })
  })()
  try {
    await Promise.all([reader, writer])
  } catch (err) {
    stream.abort(err)
    throw err
  }
  const sha = sentHash.digest('hex')
  if (received !== bytes) throw new Error(`echo stream ${index}: EOF after ${received} of ${bytes} bytes`)
  if (recvHash.digest('hex') !== sha) throw new Error(`echo stream ${index}: sha256 mismatch`)
  out({ event: 'echo_done', stream: index, bytes, sha256: sha, ms: Date.now() - start })
}

async function readAll (stream) {
  const parts = []
  for await (const chunk of stream) parts.push(Buffer.from(toBytes(chunk)))
  return Buffer.concat(parts)
}

async function halfCloseTest (conn, signal) {
  // 1. echo: after our half-close the remote must still send everything back, then close.
  const echoPayload = dataGenerator(100000)(1000)
  const s1 = await conn.newStream(ECHO, streamOpts(signal))
  const r1 = readAll(s1)
  await sendAll(s1, echoPayload, signal)
  await s1.close({ signal })
  const back = await r1
  if (Buffer.compare(back, echoPayload) !== 0) {
    throw new Error(`half-close echo: got ${back.length} bytes back, want the same 1000 bytes`)
  }
  // 2. sink: the remote writes only after our half-close (its reply depends on seeing EOF).
  const sinkPayload = dataGenerator(100001)(100000)
  const s2 = await conn.newStream(SINK, streamOpts(signal))
  const r2 = readAll(s2)
  await sendAll(s2, sinkPayload, signal)
  await s2.close({ signal })
  const reply = (await r2).toString('utf8')
  const want = createHash('sha256').update(sinkPayload).digest('hex')
  if (reply !== want) throw new Error(`half-close sink: reply '${reply.slice(0, 80)}', want '${want}'`)
  out({ event: 'half_close', ok: true, echoBytes: echoPayload.length, sinkBytes: sinkPayload.length, sha256: want })
}

async function resetTest (conn, signal) {
  const s = await conn.newStream(RESET, streamOpts(signal))
  await sendAll(s, Uint8Array.of(0x2a), signal)
  let got = 0
  try {
    for await (const chunk of s) got += toBytes(chunk).byteLength
  } catch (err) {
    out({ event: 'reset', ok: true, error: err.name ?? 'Error', message: err.message, bytesBeforeReset: got })
    return
  }
  throw new Error(`reset test: stream ended cleanly (status ${s.status}, ${got} bytes), expected a reset`)
}

// /ipfs/ping/1.0.0 on *this* connection, N rounds on one stream (the spec allows that). The ping
// service's own client picks a connection by peer and never reuses a limited (relayed) one.
async function pingOnConnection (conn, count, signal) {
  const stream = await conn.newStream(PING, streamOpts(signal))
  const it = stream[Symbol.asyncIterator]()
  let pending = Buffer.alloc(0)
  for (let i = 0; i < count; i++) {
    const payload = randomBytes(32)
    const t0 = performance.now()
    await sendAll(stream, payload, signal)
    while (pending.length < 32) {
      const { value, done } = await it.next()
      if (done) throw new Error(`ping: stream closed after ${i} of ${count} pings`)
      pending = Buffer.concat([pending, toBytes(value)])
    }
    const rtt = performance.now() - t0
    if (Buffer.compare(pending.subarray(0, 32), payload) !== 0) throw new Error(`ping ${i}: wrong payload echoed`)
    pending = pending.subarray(32)
    out({ event: 'ping', seq: i, rttMs: +rtt.toFixed(3) })
  }
  await stream.close({ signal })
  await it.return?.()
}

async function waitDirect (peerId, signal) {
  while (!signal.aborted) {
    const direct = node.getConnections(peerId).find(c => !isCircuit(c.remoteAddr) && c.limits == null)
    if (direct != null) {
      out({ event: 'direct', ...connInfo(direct) })
      return
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error('no direct connection')
}

async function runDialer () {
  const signal = AbortSignal.timeout(timeoutSecs * 1000)
  const target = multiaddr(args.dial)
  const conn = await node.dial(target, { signal })
  const remote = conn.remotePeer
  if (args['expect-peer'] !== undefined && !remote.equals(peerIdFromString(args['expect-peer']))) {
    throw new Error(`connected to ${remote}, expected ${args['expect-peer']}`)
  }
  out({ event: 'dialed', ...connInfo(conn) })
  if (!args['no-identify']) {
    await waitIdentify(remote, AbortSignal.any([signal, AbortSignal.timeout(15_000)]))
  }
  if (pingCount > 0) await pingOnConnection(conn, pingCount, signal)
  if (echoBytes > 0) {
    const start = Date.now()
    await Promise.all(Array.from({ length: streamCount }, (_, i) => echoOne(conn, i, echoBytes, signal)))
    const ms = Math.max(1, Date.now() - start)
    const total = echoBytes * streamCount
    out({ event: 'echo_total', streams: streamCount, bytes: total, ms, mibPerSec: +(total / 1048576 / (ms / 1000)).toFixed(2) })
  }
  if (args['half-close-test']) await halfCloseTest(conn, signal)
  if (args['reset-test']) await resetTest(conn, signal)
  if (args['expect-direct']) await waitDirect(remote, signal)
}

if (dialing) {
  try {
    await runDialer()
  } catch (err) {
    await fail(err)
  }
  if (!args.stay) await finish(0, { event: 'done', ok: true })
}
// Serving: run until SIGINT/SIGTERM (exit 0), stdin EOF with --exit-on-stdin-close, or --timeout (exit 3).
