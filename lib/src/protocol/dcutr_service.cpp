#include "protocol/dcutr_service.hpp"

#include "lp2p/codec/dcutr/attempt_policy.hpp"
#include "lp2p/codec/dcutr/error.hpp"
#include "lp2p/codec/dcutr/holepunch_message.hpp"
#include "lp2p/codec/dcutr/nat_diagnosis.hpp"
#include "lp2p/io/notify.hpp"
#include "lp2p/io/spawn.hpp"
#include "lp2p/io/timeout.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "lp2p/log.hpp"
#include "protocol/builtin.hpp"
#include "protocol/spray_service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <set>

namespace lp2p::protocol {

namespace asio = boost::asio;

namespace {


std::string join(const std::vector<Multiaddr>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : ", ") + a.to_string();
  return s.empty() ? "none" : s;
}

}  // namespace

struct DcutrService::Impl : std::enable_shared_from_this<DcutrService::Impl> {
  Host* host;
  HostConfig::Dcutr cfg;
  std::set<ConnectionId> punching;  // relayed connections with an upgrade in progress
  std::shared_ptr<SprayService> spray;  // null when cfg.spray.enabled is false

  Impl(Host& h, const HostConfig::Dcutr& c) : host(&h), cfg(c) {}

  /// Our listening TCP port (the one every punch dial leaves from), 0 if none.
  std::uint16_t listen_port() const {
    for (const auto& a : host->listen_addrs())
      for (const auto& c : a.components())
        if (c.protocol == Protocol::tcp) return static_cast<std::uint16_t>(std::stoul(c.value_text()));
    return 0;
  }

  std::vector<Multiaddr> our_candidates() const {
    std::vector<Multiaddr> observed;
    const auto lp = listen_port();
    for (const auto& o : host->observations()) {
      // A connection that could not leave from our listening port (its 4-tuple was taken, e.g. right after
      // a reconnect) still tells us the NAT keeps ports: then the listening port maps to itself too
      // (rust translates observed addresses the same way for such dials).
      std::string text = o.observed.to_string();
      const auto port_pos = text.rfind("/tcp/");
      if (lp && o.local_port && o.local_port != lp && port_pos != std::string::npos &&
          text.substr(port_pos + 5) == std::to_string(o.local_port)) {
        if (auto t = Multiaddr::parse(text.substr(0, port_pos) + "/tcp/" + std::to_string(lp))) {
          observed.push_back(*t);
          continue;
        }
      }
      observed.push_back(o.observed);
    }
    std::reverse(observed.begin(), observed.end());  // newest first
    return dcutr::select_candidates(observed, host->id());
  }

  std::string diagnosis() const {
    std::vector<dcutr::Observation> obs;
    for (const auto& o : host->observations()) obs.push_back({o.observer, o.observed, o.local_port});
    auto listen = host->listen_addrs();
    const auto d = dcutr::diagnose_nat(obs, listen);
    auto text = dcutr::explain(d);
    if (d.kind == dcutr::MappingKind::port_rewriting && d.observers <= 1)
      text += "; with the standard punch failed too, the mapping is most likely endpoint-dependent (a "
              "\"symmetric\" NAT that picks a new port per destination): TCP hole punching is not expected to "
              "work through it";
    return text;
  }

  /// Keeps the first max_punch_dials of the peer's candidates (its order is its preference).
  void cap_dials(std::vector<Multiaddr>& theirs, std::size_t received, const PeerId& peer) const {
    const std::size_t cap = std::max<std::size_t>(cfg.max_punch_dials, 1);
    if (theirs.size() <= cap && received <= cap) return;
    LP2P_LOG(warn, "dcutr") << peer.to_base58() << " sent " << received << " addresses (" << theirs.size()
                            << " kept after filtering); dialing the first " << std::min(cap, theirs.size())
                            << " (dcutr.max_punch_dials)";
    if (theirs.size() > cap) theirs.resize(cap);
  }

  std::optional<ConnectionInfo> direct_connection_to(const PeerId& peer) const {
    for (const auto& c : host->connections())
      if (c.peer == peer && !c.relayed) return c;
    return std::nullopt;
  }

  asio::awaitable<result<void>> send(Stream& s, const dcutr::HolePunchMessage& m) {
    auto body = dcutr::encode(m);
    if (!body) co_return body.error();
    co_return co_await write_frame(s, *body);
  }

  asio::awaitable<result<dcutr::HolePunchMessage>> receive(Stream& s) {
    auto body = co_await read_frame(s, dcutr::max_message_size);
    if (!body) co_return body.error();
    co_return dcutr::decode(*body);
  }

  /// Dials every candidate at once from our listening port; the first direct connection wins.
  asio::awaitable<result<ConnectionInfo>> punch(const PeerId& peer, const std::vector<Multiaddr>& addrs,
                                                bool as_initiator) {
    auto ex = host->get_executor();
    struct Race {
      std::optional<result<ConnectionInfo>> winner;
      std::size_t pending = 0;
      error_code last;
      io::Notify done;
      explicit Race(const asio::any_io_executor& e) : done(e) {}
    };
    auto race = std::make_shared<Race>(ex);
    race->pending = addrs.size();
    for (const auto& a : addrs) {
      auto self = shared_from_this();
      asio::co_spawn(ex, [self, race, a, peer, as_initiator]() -> asio::awaitable<void> {
        LP2P_LOG(info, "dcutr") << "dialing " << a.to_string() << " from our listening port (as "
                                << (as_initiator ? "initiator" : "responder") << ")";
        auto r = co_await self->host->dial_direct(a, as_initiator, peer);
        --race->pending;
        if (r && !race->winner) race->winner = r;
        if (!r) race->last = r.error();
        if (race->winner || race->pending == 0) race->done.notify();
      }, asio::detached);
    }
    // Also stop waiting once the peer's dial gave us a direct connection: our own dial may then be stuck
    // (e.g. it landed on the peer's listener with both sides in the responder role, WIRE.md §3).
    asio::steady_timer poll(ex);
    using namespace boost::asio::experimental::awaitable_operators;
    while (!race->winner && race->pending > 0) {
      if (auto c = direct_connection_to(peer)) co_return *c;
      poll.expires_after(std::chrono::milliseconds(50));
      co_await (race->done.wait() || poll.async_wait(use_nothrow));
    }
    if (race->winner) co_return *race->winner;
    // The peer's SYN may have reached our listener instead: that direct connection counts too.
    if (auto c = direct_connection_to(peer)) co_return *c;
    co_return race->last ? race->last : error_code(dcutr::error::attempts_exceeded);
  }

  void succeeded(const ConnectionInfo& relayed, const ConnectionInfo& direct, unsigned attempts,
                 std::chrono::steady_clock::time_point start) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    LP2P_LOG(info, "dcutr") << "hole punch succeeded with " << relayed.peer.to_base58() << ": direct connection "
                            << direct.local_addr.to_string() << " <-> " << direct.remote_addr.to_string() << " after "
                            << attempts << " attempt(s), " << elapsed.count() << " ms";
    host->emit(HolePunchSucceeded{relayed, direct, attempts, elapsed});
    if (cfg.close_relayed_after.count() > 0) {
      // New streams go over the direct connection (Host prefers it); the relayed one is closed once it has
      // been idle (no open stream) for close_relayed_after, so a transfer still running on it is not cut.
      io::spawn_detached(host->get_executor(), [](std::shared_ptr<Impl> me, ConnectionId id, std::chrono::milliseconds idle_for) -> asio::awaitable<void> {
        asio::steady_timer t(me->host->get_executor());
        auto idle_since = std::chrono::steady_clock::now();
        for (;;) {
          t.expires_after(std::min<std::chrono::milliseconds>(idle_for, std::chrono::seconds(1)));
          co_await t.async_wait(use_nothrow);
          if (!me->host->connection(id)) co_return;
          if (me->host->stream_count(id) > 0) idle_since = std::chrono::steady_clock::now();
          else if (std::chrono::steady_clock::now() - idle_since >= idle_for) break;
        }
        LP2P_LOG(info, "dcutr") << "closing relayed connection " << id << ": idle, the direct connection replaces it";
        me->host->close_connection(id);
      }(shared_from_this(), relayed.id, cfg.close_relayed_after), "close relayed");
    }
  }

  /// B: we accepted the relayed connection, so we drive the exchange (up to max_attempts).
  asio::awaitable<void> initiate(ConnectionInfo relayed) {
    auto self = shared_from_this();
    const auto start = std::chrono::steady_clock::now();  // the spray's negotiation counts in `elapsed` too
    // lp2p peers first try the birthday spray (docs/dcutr-spray.md): it runs only when one side is
    // endpoint-dependent, where the standard punch below cannot work; otherwise (or when the peer does not
    // speak it) this costs one negotiation round trip and the standard punch follows.
    std::string spray_note;
    if (spray) {
      auto o = co_await spray->run_as_b(relayed);
      if (o.kind == SprayService::Outcome::Kind::direct) co_return;  // reported through succeeded()
      if (o.kind != SprayService::Outcome::Kind::unsupported) spray_note = "spray: " + o.why;
    }
    dcutr::HolePunchAttempts attempts({cfg.max_attempts, cfg.attempt_timeout});
    error_code last;
    while (!attempts.finished()) {
      if (auto d = direct_connection_to(relayed.peer)) {
        succeeded(relayed, *d, attempts.attempts(), start);
        co_return;
      }
      if (!host->connection(relayed.id)) co_return;  // the relayed connection is gone
      auto n = attempts.begin(std::chrono::steady_clock::now());
      if (!n) break;
      auto ours = our_candidates();
      if (ours.empty()) {
        last = dcutr::error::no_addresses;
        LP2P_LOG(warn, "dcutr") << "cannot hole punch with " << relayed.peer.to_base58()
                                << ": we have no observed address to offer (no direct connection told us one)";
        break;
      }
      auto outcome = co_await io::with_timeout(exchange_as_b(relayed, ours, *n), cfg.attempt_timeout);
      if (outcome) {
        attempts.on_outcome(dcutr::AttemptOutcome::direct_connection);
        succeeded(relayed, *outcome, attempts.attempts(), start);
        co_return;
      }
      last = outcome.error();
      LP2P_LOG(info, "dcutr") << "attempt " << *n << " with " << relayed.peer.to_base58()
                              << " failed: " << last.message();
      const bool protocol_fault = last.category() == dcutr::error_category() ||
                                  last == condition::protocol_violation || last == condition::unsupported_protocol;
      attempts.on_outcome(protocol_fault ? dcutr::AttemptOutcome::protocol_error
                                         : (last == io::error::timeout ? dcutr::AttemptOutcome::timed_out
                                                                       : dcutr::AttemptOutcome::dial_failed));
    }
    fail(relayed, attempts.attempts(), last ? last : error_code(dcutr::error::attempts_exceeded), spray_note);
  }

  void fail(const ConnectionInfo& relayed, unsigned attempts, error_code ec, const std::string& extra = {}) {
    auto why = diagnosis();
    if (!extra.empty()) why += "; " + extra;
    LP2P_LOG(warn, "dcutr") << "hole punch with " << relayed.peer.to_base58() << " failed after " << attempts
                            << " attempt(s): " << ec.message() << ". " << why
                            << ". The relayed connection remains usable.";
    host->emit(HolePunchFailed{relayed, attempts, ec, why});
  }

  asio::awaitable<result<ConnectionInfo>> exchange_as_b(ConnectionInfo relayed, std::vector<Multiaddr> ours, unsigned n) {
    std::vector<std::string> protocols{std::string(dcutr::protocol_id)};
    auto s = co_await host->open_stream_on(relayed.id, std::move(protocols));
    if (!s) co_return s.error();
    dcutr::HolePunchMessage connect;
    connect.type = dcutr::HolePunchMessage::Type::connect;
    for (const auto& a : ours) connect.obs_addrs.push_back(a.bytes());
    const auto t0 = std::chrono::steady_clock::now();
    if (auto w = co_await send(*s, connect); !w) co_return w.error();
    auto reply = co_await receive(*s);
    if (!reply) co_return reply.error();
    const auto t1 = std::chrono::steady_clock::now();
    if (auto c = dcutr::check_connect(*reply); !c) co_return c.error();
    auto theirs = dcutr::filter_remote_candidates(reply->obs_addrs);
    if (!theirs) co_return theirs.error();
    cap_dials(*theirs, reply->obs_addrs.size(), relayed.peer);
    dcutr::HolePunchMessage sync;
    sync.type = dcutr::HolePunchMessage::Type::sync;
    if (auto w = co_await send(*s, sync); !w) co_return w.error();
    const auto delay = dcutr::sync_dial_delay(t0, t1);
    LP2P_LOG(info, "dcutr") << "attempt " << n << " with " << relayed.peer.to_base58() << ": rtt "
                            << std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()
                            << " ms, our candidates " << join(ours) << ", theirs " << join(*theirs);
    host->emit(HolePunchAttempt{relayed, n, *theirs});
    if (theirs->empty()) co_return error_code(dcutr::error::no_addresses);
    asio::steady_timer t(host->get_executor());
    t.expires_after(delay);
    co_await t.async_wait(use_nothrow);
    co_return co_await punch(relayed.peer, *theirs, /*as_initiator=*/false);
  }

  /// A: the peer (B) opened /libp2p/dcutr on a relayed connection we dialed.
  asio::awaitable<void> respond(Stream s) {
    auto self = shared_from_this();
    const auto relayed = s.connection();
    if (!relayed.relayed || relayed.direction != Direction::outbound) {
      // Roles: only the side that dialed through the relay answers (go resets the stream otherwise).
      s.reset();
      co_return;
    }
    const auto start = std::chrono::steady_clock::now();
    auto connect = co_await io::with_timeout(receive(s), cfg.attempt_timeout);
    if (connect) {
      if (auto c = dcutr::check_connect(*connect); !c) connect = c.error();
    }
    if (!connect) {
      // Returning resets the stream; the relayed connection stays.
      LP2P_LOG(info, "dcutr") << "CONNECT from " << relayed.peer.to_base58() << " rejected: " << connect.error().message();
      co_return;
    }
    auto theirs = dcutr::filter_remote_candidates(connect->obs_addrs);
    if (!theirs) {
      LP2P_LOG(info, "dcutr") << "CONNECT from " << relayed.peer.to_base58() << " rejected: " << theirs.error().message();
      co_return;
    }
    cap_dials(*theirs, connect->obs_addrs.size(), relayed.peer);
    auto ours = our_candidates();
    dcutr::HolePunchMessage reply;
    reply.type = dcutr::HolePunchMessage::Type::connect;
    for (const auto& a : ours) reply.obs_addrs.push_back(a.bytes());
    if (ours.empty())
      LP2P_LOG(warn, "dcutr") << "answering " << relayed.peer.to_base58() << " without candidates: no direct "
                              << "connection told us our observed address";
    if (!co_await send(s, reply)) co_return;
    auto sync = co_await io::with_timeout(receive(s), cfg.attempt_timeout);
    if (sync) {
      if (auto c = dcutr::check_sync(*sync); !c) sync = c.error();
    }
    if (!sync) {
      LP2P_LOG(info, "dcutr") << "SYNC from " << relayed.peer.to_base58() << " rejected: " << sync.error().message();
      co_return;
    }
    LP2P_LOG(info, "dcutr") << "SYNC from " << relayed.peer.to_base58() << ": dialing " << join(*theirs);
    if (theirs->empty()) co_return;
    for (const auto& a : *theirs) host->expect_punch(a, relayed.peer, cfg.attempt_timeout);
    auto direct = co_await io::with_timeout(punch(relayed.peer, *theirs, /*as_initiator=*/true), cfg.attempt_timeout);
    const unsigned n = ++answered[relayed.id];
    if (direct) {
      answered.erase(relayed.id);
      succeeded(relayed, *direct, n, start);
    } else if (n >= cfg.max_attempts) {
      answered.erase(relayed.id);
      fail(relayed, n, direct.error());
    } else {
      LP2P_LOG(info, "dcutr") << "direct dial to " << relayed.peer.to_base58() << " failed: " << direct.error().message()
                              << " (attempt " << n << "; the peer may retry)";
    }
  }
  std::map<ConnectionId, unsigned> answered;  // A: exchanges answered per relayed connection
};

std::shared_ptr<DcutrService> DcutrService::start(Host& host, const HostConfig::Dcutr& config) {
  auto svc = std::make_shared<DcutrService>();
  svc->impl_ = std::make_shared<Impl>(host, config);
  std::weak_ptr<Impl> weak = svc->impl_;
  if (config.spray.enabled) {
    SprayService::Callbacks cb;
    cb.candidates = [weak] {
      auto impl = weak.lock();
      return impl ? impl->our_candidates() : std::vector<Multiaddr>{};
    };
    cb.succeeded = [weak](const ConnectionInfo& relayed, const ConnectionInfo& direct, unsigned rounds,
                          std::chrono::steady_clock::time_point start) {
      if (auto impl = weak.lock()) impl->succeeded(relayed, direct, rounds, start);
    };
    svc->impl_->spray = SprayService::start(host, config, std::move(cb));
  }
  host.set_handler(std::string(dcutr::protocol_id), [weak](Stream s) -> asio::awaitable<void> {
    if (auto impl = weak.lock()) co_await impl->respond(std::move(s));
  });
  host.add_observer([weak](const HostEvent& ev) {
    auto impl = weak.lock();
    if (!impl) return;
    if (auto* e = std::get_if<ConnectionEstablished>(&ev)) {
      // B: a peer reached us through a relay. Try to upgrade at once (rust does not wait for identify).
      if (e->connection.relayed && e->connection.direction == Direction::inbound &&
          impl->punching.insert(e->connection.id).second) {
        io::spawn_detached(impl->host->get_executor(), [](std::shared_ptr<Impl> me, ConnectionInfo c) -> asio::awaitable<void> {
          co_await me->initiate(c);
          me->punching.erase(c.id);
        }(impl, e->connection), "dcutr");
      }
    }
  });
  return svc;
}

}  // namespace lp2p::protocol
