#include "lp2p/host/host.hpp"

#include "codec/dcutr/observation_window.hpp"
#include "host/muxed_connection.hpp"
#include "io/deadline_guard.hpp"
#include "lp2p/codec/dcutr/spray_mapping.hpp"
#include "lp2p/codec/multistream/error.hpp"
#include "lp2p/codec/noise/error.hpp"
#include "lp2p/codec/noise/verified_identity_cache.hpp"
#include "lp2p/host/error.hpp"
#include "lp2p/io/notify.hpp"
#include "lp2p/io/spawn.hpp"
#include "lp2p/io/timeout.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "lp2p/log.hpp"
#include "lp2p/transport/tcp.hpp"
#include "lp2p/transport/tcp_address.hpp"
#include "protocol/builtin.hpp"
#include "protocol/dcutr_service.hpp"
#include "protocol/relay_service.hpp"
#include "transport/negotiate.hpp"
#include "transport/upgrader.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

namespace lp2p {

namespace asio = boost::asio;
using host_detail::MuxedConnection;


struct Host::Impl : std::enable_shared_from_this<Host::Impl> {
  struct Connection {
    Connection(ConnectionInfo i, const asio::any_io_executor& ex) : info(std::move(i)), ping_timer(ex) {}
    ConnectionInfo info;
    std::shared_ptr<MuxedConnection> mux;
    std::map<std::string, std::size_t, std::less<>> inbound_streams;  // running handlers per protocol
    asio::steady_timer ping_timer;
    std::optional<asio::ip::address> inbound_ip;  // direct inbound connections: the remote IP (per-IP limit)
  };

  asio::any_io_executor ex;
  HostConfig config;
  Keypair identity;
  PeerId id;
  std::shared_ptr<const noise::SignedStaticKey> noise_static;  // one per Host, as rust-libp2p does
  std::shared_ptr<noise::VerifiedIdentityCache> verified_identities;  // null when config.noise_verify_cache == 0
  transport::PortReuseRegistry reuse;
  std::vector<std::unique_ptr<transport::TcpListener>> listeners;
  std::vector<Multiaddr> listen_addrs;
  std::map<ConnectionId, std::shared_ptr<Connection>> connections;
  // Index of `connections` by peer, oldest first: a relay holding 10,000 connections spent 70% of its
  // CPU scanning every connection for each new one (docs/benchmarks.md, relay section).
  std::unordered_map<PeerId, std::vector<ConnectionId>> connections_by_peer;
  std::map<std::string, StreamHandler, std::less<>> handlers;  // application handlers
  ConnectionId next_connection_id = 1;
  std::size_t pending_handshakes = 0;
  std::map<asio::ip::address, std::size_t> pending_per_ip;  // inbound handshakes by remote IP
  std::deque<HostEvent> events;
  io::Notify events_ready;
  std::size_t dropped = 0;
  bool stopped = false;
  std::vector<std::function<void(const HostEvent&)>> observers;
  std::vector<Multiaddr> circuit_addrs;  // from live relay reservations (ReservationChanged)
  static constexpr std::size_t max_observations = 64;
  // Newest last; parsed (dcutr::prepare) only when classify_mapping() reads them.
  dcutr::ObservationWindow observations{max_observations};
  NatMappingClassified mapping;                 // the last verdict over `observations`
  // Classifying reads all the observations (tens of microseconds), and a busy host gets one per new
  // connection: at most one classification per interval, the first at once and the rest at the end of
  // the interval. nat_mapping() classifies a due change at once, so a caller never reads a stale verdict.
  static constexpr auto classify_interval = std::chrono::milliseconds(100);
  std::chrono::steady_clock::time_point last_classified{};
  bool classify_due = false;
  std::unique_ptr<asio::steady_timer> classify_timer;
  struct PunchExpectation {
    Multiaddr remote;
    PeerId peer;
    std::chrono::steady_clock::time_point until;
  };
  std::vector<PunchExpectation> punch_expectations;
  std::shared_ptr<protocol::RelayServer> relay_server;
  std::shared_ptr<protocol::RelayClient> relay_client;
  std::shared_ptr<protocol::DcutrService> dcutr;

  Impl(asio::any_io_executor e, HostConfig cfg, Keypair kp)
      : ex(std::move(e)), config(std::move(cfg)), identity(std::move(kp)), id(identity.public_key().peer_id()),
        noise_static(noise::SignedStaticKey::generate(identity)),
        verified_identities(config.noise_verify_cache
                                ? std::make_shared<noise::VerifiedIdentityCache>(config.noise_verify_cache)
                                : nullptr),
        events_ready(ex) {}

  void emit(HostEvent ev) {
    LP2P_LOG(debug, "host") << describe(ev);
    if (auto* r = std::get_if<ReservationChanged>(&ev); r && r->kind != ReservationChanged::Kind::refused) {
      // A refused renewal leaves the reservation live until it expires; a loss ends it.
      std::erase_if(circuit_addrs, [&](const Multiaddr& a) { return a.to_string().rfind(r->relay.to_string(), 0) == 0; });
      if (r->kind != ReservationChanged::Kind::lost)
        circuit_addrs.insert(circuit_addrs.end(), r->circuit_addrs.begin(), r->circuit_addrs.end());
    }
    for (std::size_t i = 0; i < observers.size(); ++i) observers[i](ev);  // observers may add observers
    if (event_queue_full()) {
      ++dropped;
      return;
    }
    events.push_back(std::move(ev));
    events_ready.notify();
  }

  /// An event emitted now would be dropped (and counted): nobody has read the queue's last ones.
  bool event_queue_full() const noexcept { return events.size() >= config.limits.event_queue; }

  /// emit(make()) for the per-connection events (established, identified, closed), but without building
  /// the event when nobody would see it: no observer, debug logging off and the queue full (an application
  /// that never reads events). Those events copy the ConnectionInfo and, for identify, the peer's whole
  /// protocol and address lists; built only to be dropped, they cost dozens of allocations per connection.
  /// The dropped count is the same either way.
  template <class MakeEvent>
  void emit_if_wanted(MakeEvent&& make) {
    if (observers.empty() && event_queue_full() && !log::enabled(log::Level::debug)) {
      ++dropped;
      return;
    }
    emit(make());
  }

  /// What inbound streams may select: built once and shared with every negotiation (it was a fresh
  /// vector of strings per stream); set_handler/remove_handler drop it.
  const std::shared_ptr<const std::vector<std::string>>& supported_protocols() {
    if (!protocols_cache) {
      auto p = std::make_shared<std::vector<std::string>>();
      p->reserve(3 + handlers.size());
      p->emplace_back(protocol::identify_protocol_id);
      p->emplace_back(protocol::identify_push_protocol_id);
      p->emplace_back(protocol::ping_protocol_id);
      for (const auto& [name, h] : handlers) p->push_back(name);
      protocols_cache = std::move(p);
    }
    return protocols_cache;
  }
  std::shared_ptr<const std::vector<std::string>> protocols_cache;

  std::shared_ptr<Connection> find_connection(const PeerId& peer) const {
    std::shared_ptr<Connection> best;
    auto ids = connections_by_peer.find(peer);
    if (ids == connections_by_peer.end()) return best;
    for (const auto cid : ids->second) {
      const auto& c = connections.at(cid);
      // A connection that is going away cannot take new streams: dial() makes a new one instead.
      if (c->mux->is_closing()) continue;
      // Prefer a direct connection over a relayed (limited) one, then the newest.
      if (!best || (best->info.relayed && !c->info.relayed) || best->info.relayed == c->info.relayed) best = c;
    }
    return best;
  }

  std::size_t connections_of(const PeerId& peer) const {
    auto ids = connections_by_peer.find(peer);
    return ids == connections_by_peer.end() ? 0 : ids->second.size();
  }

  /// Our identify message without observedAddr (the only per-connection field).
  identify::IdentifyMessage identify_message() {
    identify::IdentifyMessage m;
    m.public_key = identity.public_key().encode_protobuf();
    for (const auto& a : listen_addrs) m.listen_addrs.push_back(a.bytes());
    for (const auto& a : circuit_addrs) m.listen_addrs.push_back(a.bytes());  // reachable through relays
    m.protocols = *supported_protocols();
    m.protocol_version = config.protocol_version;
    m.agent_version = config.agent_version;
    return m;
  }

  /// The identify reply for `c`, framed: identify_message() is encoded once and reused until the
  /// addresses or protocols it lists change (checked here, so no mutation site can forget to drop it).
  result<Bytes> identify_reply(const Connection& c) {
    const auto& protocols = supported_protocols();
    const bool addrs_same = identify_cache_addrs.size() == listen_addrs.size() + circuit_addrs.size() &&
                            std::equal(listen_addrs.begin(), listen_addrs.end(), identify_cache_addrs.begin()) &&
                            std::equal(circuit_addrs.begin(), circuit_addrs.end(),
                                       identify_cache_addrs.begin() + static_cast<std::ptrdiff_t>(listen_addrs.size()));
    if (!identify_cache || identify_cache_protocols != protocols || !addrs_same) {
      identify_cache.emplace(identify_message());
      identify_cache_protocols = protocols;
      identify_cache_addrs = listen_addrs;
      identify_cache_addrs.insert(identify_cache_addrs.end(), circuit_addrs.begin(), circuit_addrs.end());
    }
    return identify_cache->encode_frame(BytesView(c.info.remote_addr.bytes()));
  }
  std::optional<identify::PreparedMessage> identify_cache;
  std::shared_ptr<const std::vector<std::string>> identify_cache_protocols;  // what identify_cache lists
  std::vector<Multiaddr> identify_cache_addrs;                               // listen then circuit addresses

  // ---- connections ---------------------------------------------------------------------------------

  /// The yamux settings every connection gets: the per-connection buffer caps come from the limits.
  yamux::Config yamux_config() const {
    yamux::Config y;
    y.max_connection_receive_window = config.limits.max_receive_buffer_per_connection;
    y.max_pending_output = config.limits.max_send_buffer_per_connection;
    return y;
  }

  /// What every upgrade of this Host starts from: our identity, our Noise static key (one per Host, as
  /// rust-libp2p does), the verified-identity cache and the yamux limits.
  transport::UpgradeParams upgrade_params(bool as_initiator, std::optional<PeerId> expected) const {
    transport::UpgradeParams params{&identity,
                                    as_initiator ? transport::UpgradeRole::initiator : transport::UpgradeRole::responder,
                                    std::move(expected), yamux_config()};
    params.noise_static = noise_static;
    params.verified_identities = verified_identities;
    return params;
  }

  /// Inbound TCP connections from `ip`: upgrading ones and established direct ones.
  std::size_t inbound_from(const asio::ip::address& ip) const {
    auto it = pending_per_ip.find(ip);
    std::size_t n = it == pending_per_ip.end() ? 0 : it->second;
    for (const auto& [cid, c] : connections) n += c->inbound_ip == ip;
    return n;
  }

  /// Why an inbound TCP connection must be refused before its handshake, or nothing.
  std::optional<std::pair<error_code, std::string>> inbound_refusal(const asio::ip::address& ip) const {
    const auto& l = config.limits;
    if (pending_handshakes >= l.max_pending_handshakes)
      return std::pair{error_code(host::error::pending_handshake_limit),
                       "pending handshake limit " + std::to_string(l.max_pending_handshakes) +
                           " reached (limits.max_pending_handshakes)"};
    if (connections.size() >= l.max_connections)
      return std::pair{error_code(host::error::connection_limit),
                       "connection limit " + std::to_string(l.max_connections) + " reached (limits.max_connections)"};
    if ((l.limit_loopback_per_ip || !ip.is_loopback()) && inbound_from(ip) >= l.max_connections_per_ip)
      return std::pair{error_code(host::error::ip_connection_limit),
                       "per-IP connection limit " + std::to_string(l.max_connections_per_ip) + " reached for " +
                           ip.to_string() + " (limits.max_connections_per_ip)"};
    return std::nullopt;
  }

  /// Registers an upgraded connection and runs it until it ends (in a task of its own; with `spawn`
  /// false the caller, a task already, must co_await run_connection() at once instead).
  result<std::shared_ptr<Connection>> add_connection(transport::Upgraded up, Multiaddr local, Multiaddr remote,
                                                     Direction dir, bool relayed, bool spawn = true) {
    // An upgrade still in flight when stop() ran must not revive the host with a live connection.
    if (stopped) {
      up.mux->abort();
      return error_code(host::error::stopped);
    }
    if (connections.size() >= config.limits.max_connections) {
      up.mux->abort();
      return error_code(host::error::connection_limit);
    }
    if (connections_of(up.remote_peer) >= config.limits.max_connections_per_peer) {
      up.mux->abort();
      return error_code(host::error::peer_connection_limit);
    }
    auto c = std::make_shared<Connection>(
        ConnectionInfo{next_connection_id++, up.remote_peer, std::move(local), std::move(remote), dir, relayed}, ex);
    c->mux = std::move(up.mux);
    connections.emplace(c->info.id, c);
    connections_by_peer[c->info.peer].push_back(c->info.id);
    LP2P_LOG(info, "host") << "connection " << c->info.id << " established with " << c->info.peer.to_base58()
                           << " (" << to_string(dir) << (relayed ? ", relayed" : ", direct") << ") local "
                           << c->info.local_addr.to_string() << " remote " << c->info.remote_addr.to_string();
    emit_if_wanted([&] { return HostEvent(ConnectionEstablished{c->info}); });
    if (spawn) io::spawn_detached(ex, run_connection(c), "connection task");
    return c;
  }

  asio::awaitable<void> run_connection(std::shared_ptr<Connection> c) {
    auto self = shared_from_this();
    io::spawn_detached(ex, identify_peer(c), "identify");
    if (config.ping.enabled) arm_ping(c);
    // Inbound streams are handed over as they open: no acceptor task of ours waits in accept_stream()
    // (a coroutine, a co_spawn and a join per connection). The handler runs only while run() does (the
    // connection drops it when it ends), and this task holds c and the Host until then.
    c->mux->set_inbound_handler([this, weak = std::weak_ptr<Connection>(c)](io::StreamPtr s) {
      if (auto conn = weak.lock()) io::spawn_detached(ex, handle_stream(std::move(conn), std::move(s)), "stream handler");
    });
    co_await c->mux->run();
    c->ping_timer.cancel();
    connections.erase(c->info.id);
    if (auto ids = connections_by_peer.find(c->info.peer); ids != connections_by_peer.end()) {
      std::erase(ids->second, c->info.id);
      if (ids->second.empty()) connections_by_peer.erase(ids);
    }
    const auto reason = c->mux->error();
    LP2P_LOG(info, "host") << "connection " << c->info.id << " with " << c->info.peer.to_base58() << " closed: "
                           << reason.message();
    emit_if_wanted([&] { return HostEvent(ConnectionClosed{c->info, reason}); });
  }

  asio::awaitable<void> handle_stream(std::shared_ptr<Connection> c, io::StreamPtr raw) {
    auto self = shared_from_this();
    // The deadline resets the yamux stream, which ends the negotiation (cheaper than io::with_timeout).
    io::DeadlineGuard deadline(ex, config.timeouts.stream_negotiation, *raw);
    auto n = co_await transport::select_inbound(std::move(raw), supported_protocols());
    deadline.settle(n);
    if (!n) {
      LP2P_LOG(debug, "host") << "inbound stream from " << c->info.peer.to_base58()
                              << " not negotiated: " << n.error().message();
      co_return;
    }
    // Each protocol's work is a coroutine of its own (c and n live in this frame until it ends): with all
    // of them inline this frame was 1,168 bytes, too large for Asio's frame cache and malloc's fast path.
    co_await serve_stream(*c, n->protocol, n->stream);
  }

  /// The work on a negotiated inbound stream. Not a coroutine: it returns the protocol's.
  asio::awaitable<void> serve_stream(Connection& c, const std::string& protocol, io::StreamPtr& stream) {
    if (protocol == protocol::identify_protocol_id) return reply_identify(c, *stream);
    if (protocol == protocol::identify_push_protocol_id) return receive_identify_push(c, *stream);
    if (protocol == protocol::ping_protocol_id) return respond_ping(*stream);
    return run_handler(c, protocol, stream);
  }

  asio::awaitable<void> reply_identify(Connection& c, io::ByteStream& stream) {
    auto reply = identify_reply(c);
    result<void> r = reply ? result<void>{} : result<void>(reply.error());
    if (reply) r = co_await protocol::identify_respond_frame(stream, *reply);
    if (!r) LP2P_LOG(debug, "identify") << "reply to " << c.info.peer.to_base58() << " failed: " << r.error().message();
  }

  asio::awaitable<void> receive_identify_push(Connection& c, io::ByteStream& stream) {
    auto m = co_await protocol::identify_read(stream);
    if (m) emit_if_wanted([&] { return HostEvent(IdentifyReceived{c.info, protocol::to_identify_info(std::move(*m))}); });
  }

  static asio::awaitable<void> respond_ping(io::ByteStream& stream) { co_await protocol::ping_respond(stream); }

  asio::awaitable<void> run_handler(Connection& c, const std::string& protocol, io::StreamPtr& stream) {
    auto h = handlers.find(protocol);
    if (h == handlers.end()) co_return;  // removed while negotiating
    auto& count = c.inbound_streams[protocol];
    if (count >= config.limits.max_inbound_streams_per_protocol) {
      LP2P_LOG(warn, "host") << "resetting inbound " << protocol << " stream from " << c.info.peer.to_base58()
                             << ": " << count << " already running (limits.max_inbound_streams_per_protocol)";
      stream->close();
      co_return;
    }
    ++count;
    auto handler = h->second;  // the map may change while the handler runs
    try {
      co_await handler(Stream(std::move(stream), protocol, c.info));
    } catch (const std::exception& e) {
      LP2P_LOG(error, "host") << "handler for " << protocol << " threw: " << e.what() << " (stream reset)";
    }
    --c.inbound_streams[protocol];
  }

  asio::awaitable<void> identify_peer(std::shared_ptr<Connection> c) {
    auto self = shared_from_this();
    // A named vector: GCC 12 miscompiles initializer lists that live across co_await.
    std::vector<std::string> protocols{std::string(protocol::identify_protocol_id)};
    // Lazy (every libp2p peer speaks identify; a refusal shows up as the read's error) and half-closed
    // at once: the proposal and our FIN ride with the connection's next batch, nothing waits for the
    // echo, and the stream is finished on both sides when the reply's FIN arrives (no reset needed).
    auto s = co_await open_on(c, std::move(protocols), /*lazy=*/true);
    if (s) {
      if (auto w = co_await s->stream->shutdown_write(); !w) s = w.error();
    }
    if (!s) {
      LP2P_LOG(debug, "identify") << "cannot ask " << c->info.peer.to_base58() << ": " << s.error().message();
      co_return;
    }
    io::DeadlineGuard deadline(ex, config.timeouts.identify, *s->stream);
    auto m = co_await protocol::identify_read(*s->stream);
    deadline.settle(m);
    if (!m) {
      LP2P_LOG(debug, "identify") << "no reply from " << c->info.peer.to_base58() << ": " << m.error().message();
      co_return;
    }
    auto key = m->public_key ? PublicKey::decode_protobuf(*m->public_key) : result<PublicKey>(error_code(host::error::identify_invalid));
    if (!key || key->peer_id() != c->info.peer) {
      LP2P_LOG(warn, "identify") << "ignoring identify from " << c->info.peer.to_base58()
                                 << ": its public key is missing or belongs to another peer";
      co_return;
    }
    auto received = protocol::to_identify_info(std::move(*m));
    // Only direct connections tell us how NATs map our ports (WIRE.md §1.3: never trust observations
    // made over a relayed connection; go-libp2p PR #3043).
    if (received.observed_addr && !c->info.relayed) {
      std::uint16_t local_port = 0;
      if (auto v = c->info.local_addr.last_value(Protocol::tcp); v && v->size() == 2)
        local_port = static_cast<std::uint16_t>(((*v)[0] << 8) | (*v)[1]);
      observations.push(dcutr::Observation{c->info.remote_addr, *received.observed_addr, local_port});
      request_classification();
    }
    LP2P_LOG(info, "identify") << "received from " << c->info.peer.to_base58() << ": agent '"
                               << received.agent_version << "', observed address "
                               << (received.observed_addr ? received.observed_addr->to_string() : std::string("none"));
    emit_if_wanted([&] { return HostEvent(IdentifyReceived{c->info, std::move(received)}); });
  }

  /// The first half of stop() and of ~Host: nothing new starts (no accepts, relay or classification
  /// work); what happens to the live connections differs (closed gracefully or aborted).
  void begin_stop() {
    stopped = true;
    if (classify_timer) classify_timer->cancel();
    if (relay_client) relay_client->stop();
    if (relay_server) relay_server->stop();
    for (auto& l : listeners) l->close();
  }

  /// A new observation arrived: classify now, or at the end of the current interval.
  void request_classification() {
    if (classify_due) return;  // already scheduled; it will see this observation too
    const auto now = std::chrono::steady_clock::now();
    if (now - last_classified >= classify_interval) {
      classify_mapping();
      return;
    }
    classify_due = true;
    if (!classify_timer) classify_timer = std::make_unique<asio::steady_timer>(ex);
    classify_timer->expires_at(last_classified + classify_interval);
    classify_timer->async_wait([weak = weak_from_this()](const error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->classify_if_due();
    });
  }

  void classify_if_due() {
    if (!classify_due) return;
    classify_due = false;
    classify_mapping();
  }

  /// Re-classifies our NAT mapping over the current observations; reports a changed verdict.
  void classify_mapping() {
    last_classified = std::chrono::steady_clock::now();
    const auto r = spray::classify_prepared(observations.prepared(), listen_addrs);
    if (r.kind == mapping.kind && r.public_ip == mapping.public_ip && r.port_min == mapping.port_min &&
        r.port_max == mapping.port_max)
      return;
    mapping = NatMappingClassified{r.kind, r.public_ip, r.port_min, r.port_max, r.observers, r.explanation};
    LP2P_LOG(info, "host") << "NAT mapping classified as " << spray::to_string(r.kind)
                           << (r.public_ip.empty() ? std::string() : " (public ip " + r.public_ip + ")") << ": "
                           << r.explanation;
    emit(mapping);
  }

  /// Schedules the next keep-alive ping of `c`. A timer callback rather than a coroutine parked on the
  /// timer: most connections end before the first ping is due, and then cost no coroutine at all.
  void arm_ping(const std::shared_ptr<Connection>& c) {
    c->ping_timer.expires_after(config.ping.interval);
    c->ping_timer.async_wait([self = shared_from_this(), c](const error_code& ec) {
      if (ec || c->mux->is_closed() || self->stopped) return;
      io::spawn_detached(self->ex, self->ping_once(c), "ping");
    });
  }

  asio::awaitable<void> ping_once(std::shared_ptr<Connection> c) {
    auto self = shared_from_this();
    // A fresh stream per ping, half-closed after the reply: js's ping handler resets an inbound ping
    // stream 10 s after it opened (@libp2p/ping TIMEOUT) and go's after 10 s without a ping, so a
    // stream kept for the next ping (15 s later) was always reset and every other ping failed.
    std::vector<std::string> protocols{std::string(protocol::ping_protocol_id)};
    auto s = co_await open_on(c, std::move(protocols));
    if (!s) {
      emit(PingFailed{c->info, s.error()});
      co_return;  // the peer does not speak ping, or the connection is gone: no more pings
    }
    auto rtt = co_await io::with_timeout(protocol::ping_once(*s->stream), config.ping.timeout);
    if (!rtt) {
      LP2P_LOG(warn, "ping") << "ping to " << c->info.peer.to_base58() << " failed: " << rtt.error().message();
      emit(PingFailed{c->info, rtt.error()});
      if (rtt.error() == io::error::timeout) c->mux->fail(rtt.error());  // a dead connection must not linger
    } else {
      (void)co_await s->stream->shutdown_write();
      emit(PingSucceeded{c->info, *rtt});
    }
    if (!c->mux->is_closed() && !stopped) arm_ping(c);
  }

  /// transport::upgrade bounded by `limit`: the deadline aborts the raw stream (TCP: RST; a circuit: yamux
  /// reset), which ends the handshake; the result is then io::error::timeout with no detail, as a
  /// cancelled upgrade reports none.
  asio::awaitable<result<transport::Upgraded>> upgrade_with_deadline(io::StreamPtr raw, transport::UpgradeParams params,
                                                                     std::string& detail,
                                                                     std::chrono::steady_clock::duration limit) {
    io::DeadlineGuard deadline(ex, limit, *raw);
    auto up = co_await transport::upgrade(std::move(raw), std::move(params), &detail);
    if (deadline.settle(up)) detail.clear();
    co_return up;
  }

  /// Opens a yamux stream on `c` and negotiates one of `protocols`.
  asio::awaitable<result<transport::Negotiated>> open_on(std::shared_ptr<Connection> c,
                                                         std::vector<std::string> protocols, bool lazy = false) {
    auto raw = co_await c->mux->open_stream();
    if (!raw) co_return raw.error();
    if (lazy && protocols.size() == 1)
      co_return transport::start_outbound_lazy(std::move(*raw), std::move(protocols.front()));
    io::DeadlineGuard deadline(ex, config.timeouts.stream_negotiation, **raw);
    auto n = co_await transport::select_outbound(std::move(*raw), std::move(protocols));
    deadline.settle(n);
    co_return n;
  }

  // ---- listening -------------------------------------------------------------------------------------

  asio::awaitable<void> accept_loop(transport::TcpListener* listener) {
    auto self = shared_from_this();
    for (;;) {
      auto s = co_await listener->accept();
      if (!s) {
        if (stopped || s.error() == asio::error::operation_aborted) co_return;
        LP2P_LOG(warn, "host") << "accept failed: " << s.error().message();
        continue;
      }
      if (auto refusal = inbound_refusal((*s)->remote_endpoint().address())) {
        // Refused before any handshake work: the limits must cost an attacker more than they cost us.
        auto remote = transport::to_multiaddr((*s)->remote_endpoint());
        LP2P_LOG(warn, "host") << "dropping inbound connection from " << remote.to_string() << ": " << refusal->second;
        (*s)->close();
        emit(IncomingConnectionFailed{std::move(remote), refusal->first, std::move(refusal->second)});
        continue;
      }
      // Counted here, not in the task, so that connections accepted in a burst see each other.
      ++pending_handshakes;
      ++pending_per_ip[(*s)->remote_endpoint().address()];
      io::spawn_detached(ex, handle_inbound(std::move(*s)), "inbound upgrade");
    }
  }

  asio::awaitable<void> handle_inbound(std::unique_ptr<io::TcpStream> sock) {
    auto self = shared_from_this();
    const auto ip = sock->remote_endpoint().address();  // pending_handshakes and pending_per_ip counted it
    auto local = transport::to_multiaddr(sock->local_endpoint());
    auto remote = transport::to_multiaddr(sock->remote_endpoint());
    std::string detail;
    auto params = upgrade_params(/*as_initiator=*/false, std::nullopt);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(punch_expectations, [&](const PunchExpectation& e) { return e.until < now; });
    for (const auto& e : punch_expectations)
      if (e.remote == remote) {
        LP2P_LOG(info, "host") << "inbound connection from " << remote.to_string()
                               << " is a hole-punch dial of " << e.peer.to_base58() << ": upgrading as initiator";
        params.role = transport::UpgradeRole::initiator;
        params.expected_peer = e.peer;
      }
    auto up = co_await upgrade_with_deadline(std::move(sock), params, detail, config.timeouts.upgrade);
    --pending_handshakes;
    if (auto it = pending_per_ip.find(ip); it != pending_per_ip.end() && --it->second == 0) pending_per_ip.erase(it);
    if (!up) {
      if (detail.empty()) detail = up.error().message();
      LP2P_LOG(info, "host") << "inbound connection from " << remote.to_string() << " failed: " << detail;
      emit(IncomingConnectionFailed{remote, up.error(), detail});
      co_return;
    }
    const auto peer = up->remote_peer;
    // The connection runs in this task (no co_spawn of its own: a coroutine frame and two handler
    // allocations less per inbound connection).
    auto c = add_connection(std::move(*up), local, remote, Direction::inbound, false, /*spawn=*/false);
    if (!c) {
      detail = c.error() == host::error::peer_connection_limit
                   ? "per-peer connection limit " + std::to_string(config.limits.max_connections_per_peer) +
                         " reached for " + peer.to_base58() + " (limits.max_connections_per_peer)"
               : c.error() == host::error::connection_limit
                   ? "connection limit " + std::to_string(config.limits.max_connections) +
                         " reached (limits.max_connections)"
                   : c.error().message();
      LP2P_LOG(warn, "host") << "inbound connection from " << remote.to_string() << " refused: " << detail;
      emit(IncomingConnectionFailed{remote, c.error(), detail});
      co_return;
    }
    (*c)->inbound_ip = ip;
    co_await run_connection(std::move(*c));
  }

  // ---- dialing ---------------------------------------------------------------------------------------

  asio::awaitable<result<ConnectionInfo>> dial(Multiaddr address) {
    auto self = shared_from_this();
    if (stopped) co_return error_code(host::error::stopped);
    auto peer = address.peer_id();
    if (peer && *peer == id) co_return error_code(host::error::dial_self);
    if (peer)
      if (auto c = find_connection(*peer); c && !c->info.relayed) co_return c->info;
    std::string detail;
    auto r = co_await dial_new(address, peer, detail);
    if (!r) {
      if (detail.empty()) detail = r.error().message();
      LP2P_LOG(info, "host") << "dial " << address.to_string() << " failed: " << detail;
      emit(OutgoingConnectionFailed{address, r.error(), detail});
    }
    co_return r;
  }

  asio::awaitable<result<ConnectionInfo>> dial_new(const Multiaddr& address, std::optional<PeerId> peer,
                                                   std::string& detail, bool as_initiator = true) {
    transport::DialOptions opts;
    opts.port_reuse = config.port_reuse;
    opts.timeout = config.timeouts.dial;
    auto sock = co_await transport::tcp_dial(ex, address, reuse, opts);
    if (!sock) co_return sock.error();
    auto local = transport::to_multiaddr((*sock)->local_endpoint());
    auto remote = transport::to_multiaddr((*sock)->remote_endpoint());
    auto params = upgrade_params(as_initiator, peer);
    auto up = co_await upgrade_with_deadline(std::move(*sock), params, detail, config.timeouts.upgrade);
    if (!up) co_return up.error();
    auto c = add_connection(std::move(*up), local, remote, Direction::outbound, false);
    if (!c) co_return c.error();
    co_return (*c)->info;
  }
};

// ---- Host ----------------------------------------------------------------------------------------------

Host::Host(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Host::~Host() {
  if (!impl_) return;
  impl_->begin_stop();
  for (auto& [cid, c] : impl_->connections) c->mux->abort();
  impl_->events_ready.notify();
}

result<std::unique_ptr<Host>> Host::create(asio::any_io_executor executor, HostConfig config) {
  Keypair kp = config.identity ? *config.identity : Keypair::generate_ed25519();
  auto impl = std::make_shared<Impl>(std::move(executor), std::move(config), std::move(kp));
  return std::unique_ptr<Host>(new Host(std::move(impl)));
}

const PeerId& Host::id() const noexcept { return impl_->id; }
const Keypair& Host::identity() const noexcept { return impl_->identity; }
asio::any_io_executor Host::get_executor() const noexcept { return impl_->ex; }

asio::awaitable<result<void>> Host::start() {
  auto impl = impl_;
  for (const auto& addr : impl->config.listen) {
    auto target = transport::to_tcp_target(addr);
    if (!target || !target->endpoint) {
      LP2P_LOG(error, "host") << "cannot listen on " << addr.to_string() << ": not /ip4|ip6/ADDR/tcp/PORT";
      co_return error_code(host::error::unsupported_address);
    }
    auto l = transport::TcpListener::listen(impl->ex, *target->endpoint, &impl->reuse);
    if (!l) {
      LP2P_LOG(error, "host") << "cannot listen on " << addr.to_string() << ": " << l.error().message();
      co_return l.error();
    }
    auto ma = transport::to_multiaddr((*l)->local_endpoint());
    LP2P_LOG(info, "host") << "listening on " << ma.to_string() << "/p2p/" << impl->id.to_base58();
    impl->listen_addrs.push_back(ma);
    impl->emit(ListenAddressAdded{ma});
    io::spawn_detached(impl->ex, impl->accept_loop(l->get()), "accept loop");
    impl->listeners.push_back(std::move(*l));
  }
  if (impl->config.relay_server.enabled && !impl->relay_server)
    impl->relay_server = protocol::RelayServer::start(*this, impl->config.relay_server);
  if (impl->config.relay_client.enabled && !impl->relay_client)
    impl->relay_client = protocol::RelayClient::start(*this, impl->config.relay_client);
  if (impl->config.dcutr.enabled && !impl->dcutr) impl->dcutr = protocol::DcutrService::start(*this, impl->config.dcutr);
  co_return result<void>{};
}

asio::awaitable<void> Host::stop() {
  auto impl = impl_;
  if (impl->stopped) co_return;
  impl->begin_stop();
  for (auto& [cid, c] : impl->connections) c->mux->close();
  // Give connections a moment to flush their GoAway, then cut what is left.
  asio::steady_timer t(impl->ex);
  for (int i = 0; i < 50 && !impl->connections.empty(); ++i) {
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(use_nothrow);
  }
  for (auto& [cid, c] : impl->connections) c->mux->abort();
  impl->events_ready.notify();
}

std::vector<Multiaddr> Host::listen_addrs() const { return impl_->listen_addrs; }

asio::awaitable<result<ConnectionInfo>> Host::dial(const Multiaddr& address) {
  auto impl = impl_;
  if (address.has(Protocol::p2p_circuit)) {
    if (!impl->relay_client) co_return error_code(host::error::unsupported_address);
    // Any live connection to the peer (direct or relayed) serves: no second circuit.
    if (auto peer = address.peer_id())
      if (auto c = impl->find_connection(*peer)) co_return c->info;
    co_return co_await impl->relay_client->dial(address);
  }
  co_return co_await impl->dial(address);
}

asio::awaitable<result<void>> Host::listen_via_relay(const Multiaddr& relay) {
  auto impl = impl_;
  if (!impl->relay_client) co_return error_code(host::error::unsupported_address);
  co_return co_await impl->relay_client->listen(relay);
}

NatMappingClassified Host::nat_mapping() const {
  impl_->classify_if_due();
  return impl_->mapping;
}

std::vector<AddressObservation> Host::observations() const {
  const auto& window = impl_->observations.observations();
  std::vector<AddressObservation> out;
  out.reserve(window.size());
  for (const auto& o : window) out.push_back(AddressObservation{o.observer, o.observed, o.local_port});
  return out;
}

asio::awaitable<result<Stream>> Host::open_stream_on(ConnectionId id, std::vector<std::string> protocols) {
  auto impl = impl_;
  auto it = impl->connections.find(id);
  if (it == impl->connections.end()) co_return error_code(host::error::not_connected);
  auto c = it->second;
  auto n = co_await impl->open_on(c, std::move(protocols));
  if (!n) co_return n.error();
  co_return Stream(std::move(n->stream), std::move(n->protocol), c->info);
}

asio::awaitable<result<ConnectionInfo>> Host::upgrade_circuit(Stream circuit, bool initiator,
                                                              std::optional<PeerId> expected, Multiaddr local,
                                                              Multiaddr remote) {
  auto impl = impl_;
  std::string detail;
  auto params = impl->upgrade_params(initiator, expected);
  auto up = co_await impl->upgrade_with_deadline(std::move(circuit.io_), params, detail, impl->config.timeouts.upgrade);
  if (!up) {
    LP2P_LOG(info, "host") << "relayed connection upgrade failed: " << (detail.empty() ? up.error().message() : detail);
    co_return up.error();
  }
  auto c = impl->add_connection(std::move(*up), std::move(local), std::move(remote),
                                initiator ? Direction::outbound : Direction::inbound, true);
  if (!c) co_return c.error();
  co_return (*c)->info;
}

asio::awaitable<result<ConnectionInfo>> Host::dial_direct(const Multiaddr& address, bool as_initiator,
                                                          std::optional<PeerId> expected) {
  auto impl = impl_;
  std::string detail;
  auto r = co_await impl->dial_new(address, expected, detail, as_initiator);
  if (!r) LP2P_LOG(debug, "host") << "direct dial " << address.to_string() << " failed: " << (detail.empty() ? r.error().message() : detail);
  co_return r;
}

asio::awaitable<result<ConnectionInfo>> Host::upgrade_socket(std::unique_ptr<io::TcpStream> socket, bool as_initiator,
                                                            std::optional<PeerId> expected) {
  auto impl = impl_;
  if (impl->stopped) co_return error_code(host::error::stopped);
  auto local = transport::to_multiaddr(socket->local_endpoint());
  auto remote = transport::to_multiaddr(socket->remote_endpoint());
  std::string detail;
  auto params = impl->upgrade_params(as_initiator, expected);
  ++impl->pending_handshakes;
  auto up = co_await impl->upgrade_with_deadline(std::move(socket), params, detail, impl->config.timeouts.upgrade);
  --impl->pending_handshakes;
  if (!up) {
    LP2P_LOG(info, "host") << "upgrade of socket " << local.to_string() << " <-> " << remote.to_string()
                           << " failed: " << (detail.empty() ? up.error().message() : detail);
    co_return up.error();
  }
  auto c = impl->add_connection(std::move(*up), std::move(local), std::move(remote),
                                as_initiator ? Direction::outbound : Direction::inbound, false);
  if (!c) co_return c.error();
  co_return (*c)->info;
}

void Host::expect_punch(const Multiaddr& remote, const PeerId& peer, std::chrono::milliseconds ttl) {
  auto addr = remote.peer_id() ? remote.decapsulate_code(Protocol::p2p) : remote;
  impl_->punch_expectations.push_back({std::move(addr), peer, std::chrono::steady_clock::now() + ttl});
}

void Host::add_observer(std::function<void(const HostEvent&)> observer) {
  impl_->observers.push_back(std::move(observer));
}

void Host::emit(HostEvent event) { impl_->emit(std::move(event)); }

std::optional<ConnectionInfo> Host::connection(ConnectionId id) const {
  auto it = impl_->connections.find(id);
  if (it == impl_->connections.end()) return std::nullopt;
  return it->second->info;
}

std::size_t Host::stream_count(ConnectionId id) const {
  auto it = impl_->connections.find(id);
  return it == impl_->connections.end() ? 0 : it->second->mux->stream_count();
}

void Host::close_connection(ConnectionId id) {
  if (auto it = impl_->connections.find(id); it != impl_->connections.end()) it->second->mux->close();
}

asio::awaitable<result<Stream>> Host::open_stream(const PeerId& peer, std::vector<std::string> protocols) {
  auto impl = impl_;
  if (impl->stopped) co_return error_code(host::error::stopped);
  auto c = impl->find_connection(peer);
  if (!c) co_return error_code(host::error::not_connected);
  auto n = co_await impl->open_on(c, std::move(protocols), impl->config.lazy_stream_negotiation);
  if (!n) co_return n.error();
  co_return Stream(std::move(n->stream), std::move(n->protocol), c->info);
}

void Host::set_handler(std::string protocol, StreamHandler handler) {
  impl_->handlers[std::move(protocol)] = std::move(handler);
  impl_->protocols_cache.reset();
}

void Host::remove_handler(const std::string& protocol) {
  impl_->handlers.erase(protocol);
  impl_->protocols_cache.reset();
}

asio::awaitable<result<std::chrono::microseconds>> Host::ping(const PeerId& peer) {
  auto impl = impl_;
  auto c = impl->find_connection(peer);
  if (!c) co_return error_code(host::error::not_connected);
  std::vector<std::string> protocols{std::string(protocol::ping_protocol_id)};
  auto s = co_await impl->open_on(c, std::move(protocols));
  if (!s) co_return s.error();
  auto rtt = co_await io::with_timeout(protocol::ping_once(*s->stream), impl->config.ping.timeout);
  if (rtt) impl->emit(PingSucceeded{c->info, *rtt});
  (void)co_await s->stream->shutdown_write();
  co_return rtt;
}

asio::awaitable<result<HostEvent>> Host::next_event() {
  auto impl = impl_;
  for (;;) {
    if (!impl->events.empty()) {
      auto ev = std::move(impl->events.front());
      impl->events.pop_front();
      co_return ev;
    }
    if (impl->stopped) co_return error_code(host::error::stopped);
    if (!co_await impl->events_ready.wait()) co_return error_code(asio::error::operation_aborted);
  }
}

std::size_t Host::dropped_events() const noexcept { return impl_->dropped; }

std::vector<ConnectionInfo> Host::connections() const {
  std::vector<ConnectionInfo> out;
  for (const auto& [cid, c] : impl_->connections) out.push_back(c->info);
  return out;
}

}  // namespace lp2p
