// js-libp2p side of scripts/bench.sh (issue #3): the same measurements lp2p-bench makes, with js on both
// ends, over the same /perf/1.0.0 protocol (libp2p/specs perf/perf.md). @libp2p/perf is not on the
// registry, so the protocol is implemented here (it is 20 lines).
//
//   ./node bench.mjs serve  --listen /ip4/127.0.0.1/tcp/0 [--seed N]
//       serves /perf/1.0.0; prints {"event":"listening","addrs":[...]}; runs until SIGTERM/SIGINT
//   ./node bench.mjs client --dial MA [--bytes B --repeat R] [--latency N] [--rate N --concurrency K,...]
//       prints one JSON object per measurement (same field names as lp2p-bench)
//
// Every number is taken after the stream is open, like lp2p's perf::run, except the connection tests,
// which time dial + stream + one byte round trip on a new connection (dial with force: true).
import { parseArgs } from 'node:util'

if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

const PERF = '/perf/1.0.0'
const CHUNK = 64 * 1024
const out = obj => process.stdout.write(JSON.stringify(obj) + '\n')

const { positionals, values: args } = parseArgs({
  allowPositionals: true,
  options: {
    listen: { type: 'string', multiple: true, default: [] },
    dial: { type: 'string' },
    seed: { type: 'string' },
    bytes: { type: 'string', default: '0' },
    repeat: { type: 'string', default: '3' },
    latency: { type: 'string', default: '0' },
    warmup: { type: 'string', default: '10' },
    rate: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '1' }
  }
})
const role = positionals[0]
if (role !== 'serve' && role !== 'client') {
  process.stderr.write('usage: bench.mjs serve|client [flags] (see the header of bench.mjs)\n')
  process.exit(2)
}

const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { generateKeyPair, generateKeyPairFromSeed } = await import('@libp2p/crypto/keys')
const { multiaddr } = await import('@multiformats/multiaddr')

const seed = args.seed === undefined ? undefined : Number(args.seed)
const privateKey = seed === undefined
  ? await generateKeyPair('Ed25519')
  : await generateKeyPairFromSeed('Ed25519', Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? seed : 0)))

// Same services as lp2p's Host runs on every connection (identify + ping), loose connection limits:
// the connection tests open thousands of connections from one loopback address.
const makeNode = listen => createLibp2p({
  privateKey,
  addresses: { listen },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: {
    maxConnections: 100000,
    maxIncomingPendingConnections: 1024,
    inboundConnectionThreshold: 1_000_000,
    maxParallelDials: 1000
  },
  connectionMonitor: { enabled: false },
  services: { identify: identify(), ping: ping() }
})
const node = await makeNode(args.listen)

const len = chunk => chunk.byteLength

// ------------------------------------------------------------------------------------ perf server
await node.handle(PERF, async (stream) => {
  try {
    const header = []
    let got = 0
    for await (const chunk of stream) {
      if (got < 8) {
        const b = chunk.subarray()
        for (let i = 0; i < b.byteLength && got < 8; i++, got++) header.push(b[i])
      }
    }
    let toSend = 0n
    for (const b of header) toSend = (toSend << 8n) | BigInt(b)
    const zeros = new Uint8Array(CHUNK)
    while (toSend > 0n) {
      const n = toSend < BigInt(CHUNK) ? Number(toSend) : CHUNK
      if (!stream.send(zeros.subarray(0, n))) await stream.onDrain()
      toSend -= BigInt(n)
    }
    await stream.close()
  } catch (err) {
    stream.abort(err)
  }
}, { maxInboundStreams: 4096, runOnLimitedConnection: true })

if (role === 'serve') {
  await node.start()
  out({ event: 'listening', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })
  const stop = async () => { await node.stop(); process.exit(0) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
} else {
  await node.start()
  await client()
  await node.stop()
  process.exit(0)
}

// ------------------------------------------------------------------------------------ perf client
function perfHeader (download) {
  const h = new Uint8Array(8)
  let d = BigInt(download)
  for (let i = 7; i >= 0; i--) { h[i] = Number(d & 0xffn); d >>= 8n }
  return h
}

/// One perf exchange on an open stream: upload, half-close, read everything. Returns seconds.
async function perfRun (stream, upload, download) {
  const start = performance.now()
  stream.send(perfHeader(download))
  const zeros = new Uint8Array(CHUNK)
  let up = 0
  while (up < upload) {
    const n = Math.min(CHUNK, upload - up)
    if (!stream.send(zeros.subarray(0, n))) await stream.onDrain()
    up += n
  }
  await stream.close()
  let down = 0
  for await (const chunk of stream) down += len(chunk)
  if (down !== download) throw new Error(`perf: got ${down} bytes, asked for ${download}`)
  return (performance.now() - start) / 1000
}

/// New connection, one stream, one byte round trip (perf: ask for 1 byte, half-close, read it).
/// Returns milliseconds {connected, stream, firstByte} since the dial started.
async function oneConnection (ma, dialer = node) {
  const t0 = performance.now()
  const conn = await dialer.dial(ma, { force: true })
  const t1 = performance.now()
  const stream = await conn.newStream(PERF)
  const t2 = performance.now()
  stream.send(perfHeader(1))
  await stream.close()
  let got = 0
  for await (const chunk of stream) { got += len(chunk); if (got >= 1) break }
  const t3 = performance.now()
  if (got < 1) throw new Error('no byte back')
  await conn.close().catch(() => {})
  return { connected: t1 - t0, stream: t2 - t0, firstByte: t3 - t0 }
}

function quantile (sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

async function client () {
  const ma = multiaddr(args.dial)
  const bytes = Number(args.bytes)
  if (bytes > 0) {
    const conn = await node.dial(ma)
    for (let r = 0; r < Number(args.repeat); r++) {
      for (const dir of ['upload', 'download']) {
        const stream = await conn.newStream(PERF)
        const secs = dir === 'upload' ? await perfRun(stream, bytes, 0) : await perfRun(stream, 0, bytes)
        out({ bench: `throughput_${dir}`, impl: 'js', bytes, seconds: secs, mib_s: bytes / secs / 1048576 })
      }
    }
    await conn.close()
  }
  const latency = Number(args.latency)
  if (latency > 0) {
    for (let i = 0; i < Number(args.warmup); i++) await oneConnection(ma)
    const samples = []
    for (let i = 0; i < latency; i++) samples.push(await oneConnection(ma))
    const summary = key => {
      const v = samples.map(s => s[key]).sort((a, b) => a - b)
      return { median_ms: quantile(v, 0.5), p90_ms: quantile(v, 0.9), min_ms: v[0] }
    }
    out({ bench: 'dial_latency', impl: 'js', n: latency, connected: summary('connected'), stream: summary('stream'), first_byte: summary('firstByte') })
  }
  const rate = Number(args.rate)
  if (rate > 0) {
    for (const k of args.concurrency.split(',').map(Number)) {
      let next = 0
      let failed = 0
      let firstError
      // js joins concurrent dials to the same peer into one (dial-queue.js), so each concurrent
      // worker dials from its own node (same key); each node dials one connection at a time.
      const dialers = [node]
      while (dialers.length < k) { const n = await makeNode([]); await n.start(); dialers.push(n) }
      const worker = async dialer => {
        while (next < rate) {
          next++
          try { await oneConnection(ma, dialer) } catch (err) { failed++; firstError ??= err.message ?? String(err) }
        }
      }
      const start = performance.now()
      await Promise.all(dialers.map(worker))
      const secs = (performance.now() - start) / 1000
      for (const d of dialers.slice(1)) await d.stop()
      out({ bench: 'conn_rate', impl: 'js', concurrency: k, n: rate, failed, ...(firstError ? { first_error: firstError } : {}), seconds: secs, per_s: (rate - failed) / secs })
    }
  }
}
