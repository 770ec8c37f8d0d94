#include "protocol/relay_service.hpp"

#include "lp2p/codec/record/envelope.hpp"
#include "lp2p/codec/record/voucher.hpp"
#include "lp2p/codec/relay/error.hpp"
#include "lp2p/codec/relay/hop_message.hpp"
#include "lp2p/codec/relay/reservation_client.hpp"
#include "lp2p/codec/relay/reservation_table.hpp"
#include "lp2p/codec/relay/status_text.hpp"
#include "lp2p/codec/relay/stop_message.hpp"
#include "lp2p/host/error.hpp"
#include "lp2p/io/notify.hpp"
#include "lp2p/io/spawn.hpp"
#include "lp2p/io/timeout.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "lp2p/log.hpp"
#include "protocol/builtin.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <map>

namespace lp2p::protocol {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}


/// The IP of a connection's remote address, the key of the relay's per-IP limits ("" if none).
relay::IpKey ip_of(const Multiaddr& a) {
  for (const auto& c : a.components())
    if (c.protocol == Protocol::ip4 || c.protocol == Protocol::ip6) return c.value_text();
  return {};
}

/// A refusal status received from a relay (or destination) as an error code.
error_code status_error(relay::Status s) {
  switch (s) {
    case relay::Status::reservation_refused: return relay::error::refused_reservation;
    case relay::Status::resource_limit_exceeded: return relay::error::refused_resource_limit;
    case relay::Status::permission_denied: return relay::error::refused_permission_denied;
    case relay::Status::connection_failed: return relay::error::refused_connection_failed;
    case relay::Status::no_reservation: return relay::error::no_reservation;
    case relay::Status::malformed_message: return relay::error::refused_malformed_message;
    case relay::Status::unexpected_message: return relay::error::refused_unexpected_message;
    default: return relay::error::refused_unknown_status;
  }
}

bool has_limit(const relay::Limit& l) { return l.duration || l.data; }

asio::awaitable<result<void>> send_hop(Stream& s, const relay::HopMessage& m) {
  auto body = relay::encode(m);
  if (!body) co_return body.error();
  co_return co_await write_frame(s, *body);
}

asio::awaitable<result<void>> send_stop(Stream& s, const relay::StopMessage& m) {
  auto body = relay::encode(m);
  if (!body) co_return body.error();
  co_return co_await write_frame(s, *body);
}

asio::awaitable<void> send_hop_status(Stream& s, relay::Status status) {
  relay::HopMessage m;
  m.type = relay::HopMessage::Type::status;
  m.status = status;
  (void)co_await send_hop(s, m);
  (void)co_await s.close_write();
}

}  // namespace

// ================================================================================================
// Server (hop)
// ================================================================================================

struct RelayServer::Impl : std::enable_shared_from_this<RelayServer::Impl> {
  Host* host;
  HostConfig::RelayServer cfg;
  relay::ReservationTable table;
  asio::steady_timer timer;
  bool stopped = false;

  Impl(Host& h, const HostConfig::RelayServer& c) : host(&h), cfg(c), table(c.limits), timer(h.get_executor()) {}

  /// Addresses a client can reach us at, each with /p2p/<relay>: first the one this client used.
  std::vector<Bytes> reservation_addrs(const ConnectionInfo& via) const {
    std::vector<Bytes> out;
    std::vector<Multiaddr> seen;
    auto add = [&](const Multiaddr& a) {
      if (a.empty() || a.has(Protocol::p2p_circuit)) return;
      auto text = a.to_string();
      if (text.find("/0.0.0.0/") != std::string::npos || text.find("/::/") != std::string::npos) return;
      auto full = a.with_peer_id(host->id());
      for (const auto& x : seen)
        if (x == full) return;
      seen.push_back(full);
      out.push_back(full.bytes());
    };
    add(via.local_addr);
    for (const auto& a : host->listen_addrs()) add(a);
    return out;
  }

  asio::awaitable<void> handle_hop(Stream s) {
    auto self = shared_from_this();
    const auto conn = s.connection();
    if (conn.relayed) {
      // Spec: reservations and circuits over relayed connections are refused (no relay chains).
      LP2P_LOG(info, "relay") << "refusing hop from " << conn.peer.to_base58() << " over a relayed connection";
      co_await send_hop_status(s, relay::Status::permission_denied);
      co_return;
    }
    auto body = co_await io::with_timeout(read_frame(s, relay::max_message_size), std::chrono::seconds(60));
    if (!body) co_return;
    auto msg = relay::decode_hop(*body);
    if (!msg || !relay::check_hop_request(*msg)) {
      LP2P_LOG(info, "relay") << "malformed hop message from " << conn.peer.to_base58();
      co_await send_hop_status(s, relay::Status::malformed_message);
      co_return;
    }
    if (msg->type == relay::HopMessage::Type::reserve) co_await reserve(s, conn);
    else if (msg->type == relay::HopMessage::Type::connect) co_await connect(s, conn, *msg);
    else co_await send_hop_status(s, relay::Status::unexpected_message);
  }

  asio::awaitable<void> reserve(Stream& s, const ConnectionInfo& conn) {
    const auto now = relay::Clock::now();
    auto grant = table.reserve(now, conn.peer, conn.id, ip_of(conn.remote_addr));
    if (!grant) {
      const auto status = relay::refusal_status(grant.error());
      LP2P_LOG(info, "relay") << "reservation refused for " << conn.peer.to_base58() << ": " << grant.error().message()
                              << " (" << relay::to_string(status) << ")";
      host->emit(RelayServerEvent{RelayServerEvent::Kind::reservation_refused, conn.peer, std::nullopt,
                                  grant.error().message()});
      co_await send_hop_status(s, status);
      co_return;
    }
    const auto expire = unix_now() + static_cast<std::uint64_t>(grant->duration.count());
    relay::HopMessage m;
    m.type = relay::HopMessage::Type::status;
    m.status = relay::Status::ok;
    relay::Reservation r;
    r.expire = expire;
    r.addrs = reservation_addrs(conn);
    if (cfg.send_voucher) {
      record::Voucher v{host->id().bytes(), conn.peer.bytes(), expire};
      r.voucher = record::encode(record::seal_voucher(host->identity(), v));
    }
    m.reservation = std::move(r);
    if (has_limit(grant->limit)) m.limit = grant->limit;
    if (auto w = co_await send_hop(s, m); !w) co_return;
    (void)co_await s.close_write();
    LP2P_LOG(info, "relay") << "reservation " << (grant->renewed ? "renewed" : "accepted") << " for "
                            << conn.peer.to_base58() << " from " << conn.remote_addr.to_string() << " for "
                            << grant->duration.count() << " s (" << table.reservation_count() << " held)";
    host->emit(RelayServerEvent{RelayServerEvent::Kind::reservation_accepted, conn.peer, std::nullopt,
                                grant->renewed ? "renewed" : "new"});
  }

  asio::awaitable<void> connect(Stream& s, const ConnectionInfo& conn, const relay::HopMessage& msg) {
    auto dst = PeerId::from_bytes(msg.peer->id);
    if (!dst) {
      co_await send_hop_status(s, relay::Status::malformed_message);
      co_return;
    }
    auto grant = table.open_circuit(relay::Clock::now(), conn.peer, conn.id, ip_of(conn.remote_addr), *dst);
    if (!grant) {
      const auto status = relay::refusal_status(grant.error());
      LP2P_LOG(info, "relay") << "circuit " << conn.peer.to_base58() << " -> " << dst->to_base58()
                              << " refused: " << grant.error().message() << " (" << relay::to_string(status) << ")";
      host->emit(RelayServerEvent{RelayServerEvent::Kind::circuit_refused, conn.peer, *dst, grant.error().message()});
      co_await send_hop_status(s, status);
      co_return;
    }
    const auto id = grant->id;
    std::vector<std::string> protocols{std::string(relay::stop_protocol_id)};
    auto stop = co_await host->open_stream_on(grant->dst_connection, std::move(protocols));
    if (!stop) {
      table.circuit_closed(id);
      LP2P_LOG(info, "relay") << "circuit to " << dst->to_base58() << " failed: cannot open stop: " << stop.error().message();
      co_await send_hop_status(s, relay::Status::connection_failed);
      co_return;
    }
    relay::StopMessage sm;
    sm.type = relay::StopMessage::Type::connect;
    sm.peer = relay::Peer{conn.peer.bytes(), {}};
    if (has_limit(grant->limit)) sm.limit = grant->limit;
    auto answer = co_await io::with_timeout(stop_exchange(*stop, sm), std::chrono::seconds(60));
    if (!answer || *answer != relay::Status::ok) {
      table.circuit_closed(id);
      // rust passes RESOURCE_LIMIT_EXCEEDED and PERMISSION_DENIED on; other refusals become UNEXPECTED_MESSAGE.
      auto status = relay::Status::connection_failed;
      if (answer) {
        status = (*answer == relay::Status::resource_limit_exceeded || *answer == relay::Status::permission_denied)
                     ? *answer
                     : relay::Status::unexpected_message;
      }
      LP2P_LOG(info, "relay") << "circuit to " << dst->to_base58() << " refused by the destination ("
                              << relay::to_string(status) << ")";
      stop->reset();
      co_await send_hop_status(s, status);
      co_return;
    }
    relay::HopMessage ok;
    ok.type = relay::HopMessage::Type::status;
    ok.status = relay::Status::ok;
    if (has_limit(grant->limit)) ok.limit = grant->limit;
    if (auto w = co_await send_hop(s, ok); !w) {
      table.circuit_closed(id);
      stop->reset();
      co_return;
    }
    LP2P_LOG(info, "relay") << "circuit " << id << " open: " << conn.peer.to_base58() << " -> " << dst->to_base58();
    host->emit(RelayServerEvent{RelayServerEvent::Kind::circuit_accepted, conn.peer, *dst, {}});
    const auto why = co_await bridge(s, *stop, id, grant->deadline);
    const auto bytes = table.circuit_bytes(id);  // before circuit_closed(), which forgets the circuit
    table.circuit_closed(id);
    LP2P_LOG(info, "relay") << "circuit " << id << " closed: " << why << " (" << bytes << " bytes)";
    host->emit(RelayServerEvent{RelayServerEvent::Kind::circuit_ended, conn.peer, *dst, why});
  }

  asio::awaitable<result<relay::Status>> stop_exchange(Stream& stop, relay::StopMessage sm) {
    if (auto w = co_await send_stop(stop, sm); !w) co_return w.error();
    auto body = co_await read_frame(stop, relay::max_message_size);
    if (!body) co_return body.error();
    auto resp = relay::decode_stop(*body);
    if (!resp) co_return resp.error();
    if (auto c = relay::check_stop_response(*resp); !c) co_return c.error();
    co_return *resp->status;
  }

  /// Copies bytes one way, counting them against the circuit's data limit (both directions together,
  /// like rust). Returns why it stopped.
  asio::awaitable<std::string> pump(Stream& from, Stream& to, relay::CircuitId id, bool& over_limit) {
    std::vector<std::uint8_t> buf(16 * 1024);
    for (;;) {
      auto n = co_await from.read_some(buf);
      if (!n) {
        if (n.error() == asio::error::eof) {
          (void)co_await to.close_write();
          co_return "closed";
        }
        to.reset();
        co_return n.error().message();
      }
      if (!table.account_bytes(id, *n)) {
        over_limit = true;
        from.reset();
        to.reset();
        co_return "data limit reached";
      }
      if (auto w = co_await to.write(BytesView(buf.data(), *n)); !w) {
        from.reset();
        co_return w.error().message();
      }
    }
  }

  asio::awaitable<std::string> bridge(Stream& a, Stream& b, relay::CircuitId id, std::optional<relay::Time> deadline) {
    bool over = false;
    auto both = [&]() -> asio::awaitable<std::string> {
      auto r = co_await (pump(a, b, id, over) && pump(b, a, id, over));
      co_return over ? std::string("data limit reached") : std::get<0>(r) + "/" + std::get<1>(r);
    };
    if (!deadline) co_return co_await both();
    asio::steady_timer t(host->get_executor());
    t.expires_at(*deadline);
    auto r = co_await (both() || t.async_wait(use_nothrow));
    if (r.index() == 0) co_return std::get<0>(r);
    a.reset();
    b.reset();
    co_return "duration limit reached";
  }

  asio::awaitable<void> expiry_loop() {
    auto self = shared_from_this();
    while (!stopped) {
      const auto next = table.next_expiry();
      timer.expires_at(next ? *next : relay::Clock::now() + std::chrono::seconds(1));
      co_await timer.async_wait(use_nothrow);
      if (stopped) break;
      for (auto& e : table.expire(relay::Clock::now())) {
        if (auto* r = std::get_if<relay::ExpiredReservation>(&e)) {
          LP2P_LOG(info, "relay") << "reservation of " << r->peer.to_base58() << " expired";
          host->emit(RelayServerEvent{RelayServerEvent::Kind::reservation_ended, r->peer, std::nullopt, "expired"});
        }
      }
    }
  }
};

std::shared_ptr<RelayServer> RelayServer::start(Host& host, const HostConfig::RelayServer& config) {
  auto server = std::make_shared<RelayServer>();
  server->impl_ = std::make_shared<Impl>(host, config);
  std::weak_ptr<Impl> weak = server->impl_;
  host.set_handler(std::string(relay::hop_protocol_id), [weak](Stream s) -> asio::awaitable<void> {
    if (auto impl = weak.lock()) co_await impl->handle_hop(std::move(s));
  });
  host.add_observer([weak](const HostEvent& ev) {
    auto impl = weak.lock();
    if (!impl) return;
    if (auto* closed = std::get_if<ConnectionClosed>(&ev)) {
      const auto before = impl->table.reservation_count();
      impl->table.connection_closed(closed->connection.id);
      if (impl->table.reservation_count() < before) {
        LP2P_LOG(info, "relay") << "reservation of " << closed->connection.peer.to_base58()
                                << " dropped: its connection closed (" << closed->reason.message() << ")";
        impl->host->emit(RelayServerEvent{RelayServerEvent::Kind::reservation_ended, closed->connection.peer,
                                          std::nullopt, "connection closed"});
      }
    }
  });
  io::spawn_detached(host.get_executor(), server->impl_->expiry_loop(), "relay expiry loop");
  LP2P_LOG(info, "relay") << "relay server enabled (" << config.limits.max_reservations << " reservations, "
                          << config.limits.max_circuits << " circuits)";
  return server;
}

void RelayServer::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

// ================================================================================================
// Client (reservations, stop, dialing through a relay)
// ================================================================================================

struct RelayClient::Impl : std::enable_shared_from_this<RelayClient::Impl> {
  struct Keeper {
    Multiaddr relay_addr;
    PeerId relay;
    relay::ReservationKeeper engine;
    std::optional<ConnectionId> connection;
    std::vector<Multiaddr> circuit_addrs;
    io::Notify wake;
    std::optional<error_code> first_result;
    io::Notify first_done;
    Keeper(Multiaddr a, PeerId p, const asio::any_io_executor& ex)
        : relay_addr(std::move(a)), relay(std::move(p)), wake(ex), first_done(ex) {}
  };

  Host* host;
  HostConfig::RelayClient cfg;
  std::map<PeerId, std::shared_ptr<Keeper>> keepers;
  bool stopped = false;

  Impl(Host& h, const HostConfig::RelayClient& c) : host(&h), cfg(c) {}

  // ---- stop: a relay brings us a circuit ---------------------------------------------------------
  /// Answers a STOP we refuse: the status, then FIN (so the relay reads it before anything else; a reset
  /// right behind it would make go and rust drop it unread), then the stream is reset once the relay has
  /// closed its side or after 5 s, so a peer that never closes cannot keep it.
  asio::awaitable<void> refuse_stop(Stream& s, relay::Status status) {
    relay::StopMessage answer;
    answer.type = relay::StopMessage::Type::status;
    answer.status = status;
    if (co_await send_stop(s, answer) && co_await s.close_write()) {
      auto drain = [](Stream& st) -> asio::awaitable<result<void>> {
        std::array<std::uint8_t, 256> buf{};
        for (;;) {
          auto n = co_await st.read_some(buf);
          if (!n) co_return n.error();
        }
      };
      (void)co_await io::with_timeout(drain(s), std::chrono::seconds(5));
    }
    s.reset();
  }

  asio::awaitable<void> handle_stop(Stream s) {
    auto self = shared_from_this();
    const auto conn = s.connection();
    auto body = co_await io::with_timeout(read_frame(s, relay::max_message_size), std::chrono::seconds(60));
    if (!body) co_return;
    auto msg = relay::decode_stop(*body);
    relay::StopMessage answer;
    answer.type = relay::StopMessage::Type::status;
    if (!msg || !relay::check_stop_request(*msg)) {
      LP2P_LOG(info, "relay") << "refusing circuit from " << conn.peer.to_base58() << ": malformed STOP message";
      co_await refuse_stop(s, relay::Status::malformed_message);
      co_return;
    }
    auto src = PeerId::from_bytes(msg->peer->id);
    auto k = keepers.find(conn.peer);
    if (!src || conn.relayed || k == keepers.end()) {
      // Circuits come only from relays we hold (or held) a reservation with.
      LP2P_LOG(info, "relay") << "refusing circuit from " << conn.peer.to_base58() << ": no reservation there";
      co_await refuse_stop(s, relay::Status::no_reservation);
      co_return;
    }
    answer.status = relay::Status::ok;
    if (auto w = co_await send_stop(s, answer); !w) co_return;
    const auto local = k->second->relay_addr.encapsulate(Multiaddr::parse("/p2p-circuit").value());
    const auto remote = local.with_peer_id(*src);
    LP2P_LOG(info, "relay") << "inbound circuit from " << src->to_base58() << " via " << conn.peer.to_base58();
    auto c = co_await host->upgrade_circuit(std::move(s), /*initiator=*/false, *src, local, remote);
    if (!c) LP2P_LOG(info, "relay") << "inbound circuit from " << src->to_base58() << " failed: " << c.error().message();
  }

  // ---- reservations ------------------------------------------------------------------------------
  struct ReserveOutcome {
    error_code error;
    std::optional<relay::Status> refused;
    std::uint64_t expire = 0;
    std::vector<Multiaddr> addrs;
  };

  asio::awaitable<ReserveOutcome> reserve_once(ConnectionId conn) {
    std::vector<std::string> protocols{std::string(relay::hop_protocol_id)};
    auto s = co_await host->open_stream_on(conn, std::move(protocols));
    if (!s) co_return ReserveOutcome{s.error()};
    relay::HopMessage req;
    req.type = relay::HopMessage::Type::reserve;
    if (auto w = co_await send_hop(*s, req); !w) co_return ReserveOutcome{w.error()};
    (void)co_await s->close_write();  // rust half-closes too; relays answer after our FIN
    auto body = co_await io::with_timeout(read_frame(*s, relay::max_message_size), cfg.reserve_timeout);
    if (!body) co_return ReserveOutcome{body.error()};
    auto msg = relay::decode_hop(*body);
    if (!msg) co_return ReserveOutcome{msg.error()};
    const auto now_unix = unix_now();
    if (auto c = relay::check_reserve_response(*msg, now_unix); !c) co_return ReserveOutcome{c.error()};
    if (*msg->status != relay::Status::ok) co_return ReserveOutcome{status_error(*msg->status), *msg->status};
    ReserveOutcome out;
    out.expire = msg->reservation->expire;
    for (const auto& a : msg->reservation->addrs)
      if (auto ma = Multiaddr::from_bytes(a)) out.addrs.push_back(*ma);
    co_return out;
  }

  void report(Keeper& k) {
    while (auto ev = k.engine.poll_event()) {
      using K = relay::KeeperEvent::Kind;
      ReservationChanged::Kind kind = ReservationChanged::Kind::accepted;
      switch (ev->kind) {
        case K::accepted: kind = ReservationChanged::Kind::accepted; break;
        case K::renewed: kind = ReservationChanged::Kind::renewed; break;
        case K::refused: kind = ReservationChanged::Kind::refused; break;
        case K::lost: kind = ReservationChanged::Kind::lost; break;
        case K::restored: kind = ReservationChanged::Kind::restored; break;
      }
      if (kind == ReservationChanged::Kind::lost || kind == ReservationChanged::Kind::refused)
        LP2P_LOG(warn, "relay") << "reservation at " << k.relay_addr.to_string() << " " << to_string(kind) << ": "
                                << ev->reason;
      else
        for (const auto& a : k.circuit_addrs)
          LP2P_LOG(info, "relay") << "reservation " << to_string(kind) << " at " << k.relay.to_base58()
                                  << "; reachable at " << a.to_string();
      host->emit(ReservationChanged{kind, k.relay_addr, k.circuit_addrs, ev->reason});
    }
  }

  asio::awaitable<void> keep(std::shared_ptr<Keeper> k) {
    auto self = shared_from_this();
    asio::steady_timer timer(host->get_executor());
    while (!stopped) {
      const auto now = relay::Clock::now();
      switch (k->engine.next_action(now)) {
        case relay::KeeperAction::reconnect: {
          auto c = co_await host->dial(k->relay_addr);
          if (c) {
            k->connection = c->id;
            k->engine.on_connected(relay::Clock::now());
          } else {
            k->engine.on_connect_failed(relay::Clock::now(), "cannot connect to the relay: " + c.error().message());
            if (!k->first_result) k->first_result = c.error();
          }
          break;
        }
        case relay::KeeperAction::reserve: {
          auto r = co_await reserve_once(*k->connection);
          const auto t = relay::Clock::now();
          if (!r.error) {
            k->circuit_addrs.clear();
            for (const auto& a : r.addrs)
              k->circuit_addrs.push_back(
                  a.encapsulate(Multiaddr::parse("/p2p-circuit").value()).with_peer_id(host->id()));
            if (k->circuit_addrs.empty())
              k->circuit_addrs.push_back(
                  k->relay_addr.encapsulate(Multiaddr::parse("/p2p-circuit").value()).with_peer_id(host->id()));
            if (auto a = k->engine.on_accepted(t, r.expire, unix_now()); !a)
              k->engine.on_reserve_failed(t, a.error().message());
            if (!k->first_result) k->first_result = error_code();
          } else if (r.refused) {
            k->engine.on_refused(t, *r.refused);
            LP2P_LOG(warn, "relay") << "relay " << k->relay.to_base58() << " refused the reservation: "
                                    << relay::explain_status(*r.refused);
            if (!k->first_result) k->first_result = r.error;
          } else {
            k->engine.on_reserve_failed(t, r.error.message());
            if (!k->first_result) k->first_result = r.error;
          }
          break;
        }
        case relay::KeeperAction::none: {
          report(*k);
          if (k->first_result) k->first_done.notify();
          const auto wake = k->engine.next_wakeup();
          timer.expires_at(wake ? *wake : relay::Clock::now() + std::chrono::seconds(60));
          co_await (timer.async_wait(use_nothrow) || k->wake.wait());
          break;
        }
      }
      report(*k);
      if (k->first_result) k->first_done.notify();
    }
  }

  // ---- dialing through a relay -------------------------------------------------------------------
  asio::awaitable<result<ConnectionInfo>> dial(Multiaddr address) {
    auto self = shared_from_this();
    auto dst = address.peer_id();
    auto relay_part = address.decapsulate_code(Protocol::p2p_circuit);
    if (!dst || !relay_part.peer_id() || address.to_string().find("/p2p-circuit/p2p/") == std::string::npos)
      co_return error_code(host::error::no_peer_id);
    auto fail = [&](error_code ec, std::string detail) {
      LP2P_LOG(warn, "relay") << "dial " << address.to_string() << " failed: " << detail;
      host->emit(OutgoingConnectionFailed{address, ec, std::move(detail)});
      return ec;
    };
    auto c = co_await host->dial(relay_part);
    if (!c) co_return fail(c.error(), "cannot reach the relay: " + c.error().message());
    std::vector<std::string> protocols{std::string(relay::hop_protocol_id)};
    auto s = co_await host->open_stream_on(c->id, std::move(protocols));
    if (!s) co_return fail(s.error(), "the relay does not accept hop: " + s.error().message());
    relay::HopMessage req;
    req.type = relay::HopMessage::Type::connect;
    req.peer = relay::Peer{dst->bytes(), {}};
    if (auto w = co_await send_hop(*s, req); !w) co_return fail(w.error(), w.error().message());
    auto body = co_await io::with_timeout(read_frame(*s, relay::max_message_size), std::chrono::seconds(60));
    if (!body) co_return fail(body.error(), "no answer from the relay: " + body.error().message());
    auto msg = relay::decode_hop(*body);
    if (!msg) co_return fail(msg.error(), msg.error().message());
    if (auto ok = relay::check_connect_response(*msg); !ok) co_return fail(ok.error(), ok.error().message());
    if (*msg->status != relay::Status::ok) {
      const auto ec = status_error(*msg->status);
      co_return fail(ec, std::string("relay answered ") + std::string(relay::to_string(*msg->status)) + ": " +
                             std::string(relay::explain_status(*msg->status)));
    }
    if (msg->limit)
      LP2P_LOG(info, "relay") << "circuit to " << dst->to_base58() << " is limited: "
                              << (msg->limit->duration ? std::to_string(*msg->limit->duration) + " s" : std::string("no time limit"))
                              << ", " << (msg->limit->data ? std::to_string(*msg->limit->data) + " bytes" : std::string("no data limit"));
    const auto local = relay_part.encapsulate(Multiaddr::parse("/p2p-circuit").value());
    auto conn = co_await host->upgrade_circuit(std::move(*s), /*initiator=*/true, *dst, local, address);
    if (!conn) co_return fail(conn.error(), "upgrade over the circuit failed: " + conn.error().message());
    co_return conn;
  }
};

std::shared_ptr<RelayClient> RelayClient::start(Host& host, const HostConfig::RelayClient& config) {
  auto client = std::make_shared<RelayClient>();
  client->impl_ = std::make_shared<Impl>(host, config);
  std::weak_ptr<Impl> weak = client->impl_;
  host.set_handler(std::string(relay::stop_protocol_id), [weak](Stream s) -> asio::awaitable<void> {
    if (auto impl = weak.lock()) co_await impl->handle_stop(std::move(s));
  });
  host.add_observer([weak](const HostEvent& ev) {
    auto impl = weak.lock();
    if (!impl) return;
    if (auto* closed = std::get_if<ConnectionClosed>(&ev)) {
      for (auto& [peer, k] : impl->keepers) {
        if (k->connection != closed->connection.id) continue;
        k->connection.reset();
        k->engine.on_connection_lost(relay::Clock::now(),
                                     "the connection to the relay closed (" + closed->reason.message() +
                                         "); for example a NAT dropped an idle mapping, or the relay restarted");
        k->wake.notify();
      }
    }
  });
  return client;
}

void RelayClient::stop() {
  impl_->stopped = true;
  for (auto& [p, k] : impl_->keepers) k->wake.notify();
}

asio::awaitable<result<void>> RelayClient::listen(Multiaddr relay_addr) {
  auto impl = impl_;
  auto relay = relay_addr.peer_id();
  if (!relay) co_return error_code(host::error::no_peer_id);
  auto& k = impl->keepers[*relay];
  if (!k) {
    k = std::make_shared<Impl::Keeper>(relay_addr, *relay, impl->host->get_executor());
    io::spawn_detached(impl->host->get_executor(), impl->keep(k), "reservation keeper");
  } else if (k->engine.reserved(relay::Clock::now())) {
    co_return result<void>{};
  } else if (k->first_result) {
    // Asked again after a failure: the keeper is retrying with backoff anyway; run its next attempt now
    // and answer with that attempt's outcome rather than the stale first one.
    // (An attempt already in flight is awaited as it is.)
    k->engine.retry_now(relay::Clock::now());
    k->first_result.reset();
    k->wake.notify();
  }
  auto keeper = k;
  while (!keeper->first_result) co_await keeper->first_done.wait();
  if (*keeper->first_result) co_return *keeper->first_result;
  co_return result<void>{};
}

asio::awaitable<result<ConnectionInfo>> RelayClient::dial(Multiaddr address) {
  auto impl = impl_;
  co_return co_await impl->dial(std::move(address));
}

}  // namespace lp2p::protocol
