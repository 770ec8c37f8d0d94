// Helpers for tests that drive lp2p::Host instances.
#pragma once

#include "lp2p/host/host.hpp"

#include <boost/asio/awaitable.hpp>

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

/// A HostConfig on 127.0.0.1 (port 0) with the rust-example identity for `seed`.
inline HostConfig loopback_config(std::uint8_t seed) {
  HostConfig cfg;
  cfg.identity = Keypair::from_secret_key_seed(seed);
  cfg.listen = {Multiaddr::parse("/ip4/127.0.0.1/tcp/0").value()};
  return cfg;
}

}  // namespace lp2p::testing
