// Helpers for tests that drive lp2p::Host instances on loopback: their configuration, the addresses to
// dial them at, starting them, and waiting for an event or a condition with a deadline.
#pragma once

#include "lp2p/host/host.hpp"
#include "lp2p/io/timeout.hpp"
#include "support/check.hpp"

#include <boost/asio/awaitable.hpp>

#include <array>
#include <chrono>
#include <stdexcept>

namespace lp2p::testing {

/// Waits for the first event of type E from `host` (throws if the event stream ends).
template <class E>
boost::asio::awaitable<E> wait_for(Host& host) {
  for (;;) {
    auto ev = co_await host.next_event();
    if (!ev) throw std::runtime_error("event stream ended: " + ev.error().message());
    if (auto* e = std::get_if<E>(&*ev)) co_return *e;
  }
}

/// The same with a deadline: throws when no event at all arrives within `limit` (a hang, not a slow
/// test: every event, of any type, restarts it).
template <class E>
boost::asio::awaitable<E> wait_for(Host& host, std::chrono::milliseconds limit) {
  for (;;) {
    auto ev = co_await io::with_timeout(host.next_event(), limit);
    if (!ev) throw std::runtime_error("no event: " + ev.error().message());
    if (auto* e = std::get_if<E>(&*ev)) co_return *e;
  }
}

/// Polls `pred` every 10 ms for up to `limit`; returns its last value (for state that an observer or a
/// host's own tasks change, which no event announces).
template <class Pred>
boost::asio::awaitable<bool> eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(3)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= end) co_return pred();
    (void)co_await io::sleep_for(std::chrono::milliseconds(10));
  }
  co_return true;
}

/// A HostConfig on 127.0.0.1 (port 0) with the rust-example identity for `seed`.
inline HostConfig loopback_config(std::uint8_t seed) {
  HostConfig cfg;
  cfg.identity = Keypair::from_secret_key_seed(seed);
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  return cfg;
}

/// Where to dial a started host: its first listen address with /p2p/<id>.
inline Multiaddr dial_addr(const Host& h) { return h.listen_addrs().at(0).with_peer_id(h.id()); }

/// `dst` through `relay`: <relay>/p2p/<relay id>/p2p-circuit/p2p/<dst>.
inline Multiaddr circuit_to(const Host& relay, const PeerId& dst) {
  return dial_addr(relay).encapsulate(Multiaddr::parse("/p2p-circuit").value()).with_peer_id(dst);
}

/// Starts each host in turn; a host that cannot listen fails the test.
template <class... H>
boost::asio::awaitable<void> start_all(H&... hosts) {
  const std::array<Host*, sizeof...(H)> all{&hosts...};  // a named array: no initializer list across co_await
  for (Host* h : all) {
    auto r = co_await h->start();
    INFO("starting " << h->id().to_base58());
    REQUIRE_OK(r);
  }
}

/// Stops each host in turn (order matters to a test: stop the dialer before the relay it dials through).
template <class... H>
boost::asio::awaitable<void> stop_all(H&... hosts) {
  const std::array<Host*, sizeof...(H)> all{&hosts...};
  for (Host* h : all) co_await h->stop();
}

}  // namespace lp2p::testing
