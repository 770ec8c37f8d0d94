// lp2p::Host: the object an application links against. It listens, dials, upgrades connections
// (multistream-select → Noise XX → multistream-select → yamux), runs identify and ping, routes inbound
// streams to protocol handlers, and reports what happens as HostEvents.
//
// Threading: the host and everything it returns must be used from its executor's thread (use a
// single-threaded io_context, or a strand). All operations are C++20 coroutines.
#pragma once

#include "lp2p/host/config.hpp"
#include "lp2p/host/events.hpp"
#include "lp2p/host/stream.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lp2p {

/// A protocol handler: runs for each inbound stream that negotiated its protocol. An exception escaping
/// it is logged and resets that stream only.
using StreamHandler = std::function<boost::asio::awaitable<void>(Stream)>;

class Host {
 public:
  /// @errors crypto errors for a bad identity
  static result<std::unique_ptr<Host>> create(boost::asio::any_io_executor executor, HostConfig config);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const PeerId& id() const noexcept;
  const Keypair& identity() const noexcept;
  boost::asio::any_io_executor get_executor() const noexcept;

  /// Starts listening on config.listen.
  /// @errors system errors from bind/listen, transport errors for addresses that are not TCP
  boost::asio::awaitable<result<void>> start();
  /// Graceful shutdown: stops listening, sends GoAway on every connection and closes them.
  boost::asio::awaitable<void> stop();

  /// The addresses we actually listen on (port 0 resolved), without /p2p.
  std::vector<Multiaddr> listen_addrs() const;

  /// Connects to `address` (ending in /p2p/<id> to check the peer's identity), or returns the existing
  /// connection to that peer.
  /// @errors noise::error::peer_id_mismatch (the detail names expected and actual PeerId), io timeouts,
  ///         system errors, multistream::error::protocol_not_supported, ...
  boost::asio::awaitable<result<ConnectionInfo>> dial(const Multiaddr& address);

  /// Opens a stream to a connected peer (dialing `address` first when given and not connected),
  /// negotiating the first protocol of `protocols` the peer supports.
  /// @errors multistream::error::protocol_not_supported, host::error::not_connected, yamux errors
  boost::asio::awaitable<result<Stream>> open_stream(const PeerId& peer, std::vector<std::string> protocols);

  void set_handler(std::string protocol, StreamHandler handler);
  void remove_handler(const std::string& protocol);

  /// Sends one ping over an existing connection and returns the round-trip time.
  boost::asio::awaitable<result<std::chrono::microseconds>> ping(const PeerId& peer);

  /// The next event (waits until there is one). After stop(), returns host::error::stopped.
  boost::asio::awaitable<result<HostEvent>> next_event();
  /// Events dropped because nobody read them fast enough (the queue is bounded).
  std::size_t dropped_events() const noexcept;

  std::vector<ConnectionInfo> connections() const;

  struct Impl;

 private:
  explicit Host(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace lp2p
