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
#include "lp2p/io/tcp_stream.hpp"

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

  /// Opens a stream to a connected peer (over its direct connection when there is one, else a relayed one),
  /// negotiating the first protocol of `protocols` the peer supports. Dial first with dial().
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

  /// Reserves a slot at a Circuit Relay v2 server (`relay` must end in /p2p/<relay id>) and keeps it:
  /// renews at 3/4 of its lifetime, reconnects and re-reserves with backoff when the relay connection
  /// dies. Progress is reported as ReservationChanged events. Returns once the first attempt ended.
  /// @errors relay::error::* refusals (with ReservationChanged::reason), dial errors
  boost::asio::awaitable<result<void>> listen_via_relay(const Multiaddr& relay);

  /// Our addresses as peers observed them over direct connections (identify), oldest first.
  std::vector<AddressObservation> observations() const;
  /// Our NAT's TCP mapping as classified from observations() (docs/dcutr-spray.md §1); kind unknown until
  /// a direct connection's identify told us our observed address. Also reported as NatMappingClassified
  /// (a busy host re-classifies at most every 100 ms, so the event can trail an identify by that much;
  /// this call always classifies the observations it has).
  NatMappingClassified nat_mapping() const;

  // ---- low-level, used by lp2p's own protocols (relay, DCUtR) ------------------------------------
  /// Opens a stream on one specific connection.
  boost::asio::awaitable<result<Stream>> open_stream_on(ConnectionId connection, std::vector<std::string> protocols);
  /// Runs the connection upgrade over a relay circuit stream and registers it as a relayed connection.
  boost::asio::awaitable<result<ConnectionInfo>> upgrade_circuit(Stream circuit, bool initiator,
                                                                 std::optional<PeerId> expected, Multiaddr local,
                                                                 Multiaddr remote);
  /// Dials a new direct TCP connection from our listening port (never reusing an existing connection)
  /// and upgrades it as initiator or responder (DCUtR's role override).
  boost::asio::awaitable<result<ConnectionInfo>> dial_direct(const Multiaddr& address, bool as_initiator,
                                                             std::optional<PeerId> expected);
  /// Upgrades an already connected TCP socket (a spray's chosen socket) as initiator or responder and
  /// registers it as a direct connection (outbound when initiator).
  boost::asio::awaitable<result<ConnectionInfo>> upgrade_socket(std::unique_ptr<io::TcpStream> socket,
                                                                bool as_initiator, std::optional<PeerId> expected);
  /// DCUtR side A: for `ttl`, an inbound TCP connection from `remote` (ip/tcp/port, no /p2p) is upgraded
  /// as initiator expecting `peer`: when B's punch SYN reaches our listener instead of meeting our own
  /// SYN, the roles must still be A = initiator, B = responder (else both sides wait as listeners).
  void expect_punch(const Multiaddr& remote, const PeerId& peer, std::chrono::milliseconds ttl);
  /// Called synchronously for every event, before it is queued for next_event().
  void add_observer(std::function<void(const HostEvent&)> observer);
  /// Reports an event through the host's event queue (and observers).
  void emit(HostEvent event);
  std::optional<ConnectionInfo> connection(ConnectionId id) const;
  /// Streams open on a connection (both directions), or 0 if it is gone.
  std::size_t stream_count(ConnectionId id) const;
  /// Closes one connection gracefully (GoAway).
  void close_connection(ConnectionId id);

  struct Impl;

 private:
  explicit Host(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace lp2p
