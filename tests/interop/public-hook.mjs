// Node module-loader hook used by peer.mjs --treat-as-public (see README.md, "Private address ranges").
//
// js-libp2p decides "private" in exactly one function, isPrivateIp() in @libp2p/utils
// (dist/src/private-ip.js); isPrivate(multiaddr) and everything built on it (identify's observed
// addresses, DCUtR's candidate filter, the address manager) call it. Its table lists the TEST-NET
// ranges 192.0.2/24, 198.51.100/24 and 203.0.113/24 that the NAT lab uses as its "internet", so in the
// lab js would drop every address as private. This hook rewrites that one module as it is loaded so
// isPrivateIp() first asks globalThis.__lp2pTreatAsPublic(ip) (installed by peer.mjs) and answers
// "not private" when it says so. Nothing on disk is changed; without the flag the hook is not loaded.
const TARGET = '/@libp2p/utils/dist/src/private-ip.js'
const NEEDLE = 'export function isPrivateIp(ip) {'

export async function load (url, context, nextLoad) {
  const result = await nextLoad(url, context)
  if (!url.endsWith(TARGET)) {
    return result
  }
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8')
  if (!source.includes(NEEDLE)) {
    // Fail loudly rather than silently testing with the stock private ranges.
    throw new Error(`public-hook: '${NEEDLE}' not found in ${url}; @libp2p/utils changed, update public-hook.mjs`)
  }
  const patched = source.replace(NEEDLE,
    NEEDLE + '\n    if (globalThis.__lp2pTreatAsPublic?.(ip) === true) { return false; }')
  return { ...result, source: patched, shortCircuit: true }
}
