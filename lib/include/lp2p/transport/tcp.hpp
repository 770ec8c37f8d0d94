// TCP transport with port reuse: WIRE.md §3 "rust TCP port reuse" and "Why port reuse matters",
// STYLE.md §7.10 (port-reuse pitfall), DESIGN.md §1.
//
// Hole punching only works if every outgoing connection leaves from the port we listen on: the relay
// (through identify's observedAddr) reports the NAT mapping of *that* port to the peer, and the peer aims
// its punch at it. So, as rust-libp2p's `PortReuse` does:
// - every listen socket gets SO_REUSEADDR + SO_REUSEPORT and registers its endpoint in a
//   PortReuseRegistry;
// - a dial creates a socket with SO_REUSEADDR + SO_REUSEPORT and, before connect, binds it to
//   0.0.0.0:<listen port> (or [::]:<listen port>) of a registered listener with the remote's IP family
//   and loopback-ness (choose_reuse_bind);
// - if that 4-tuple is already taken (an existing connection to the same remote ip:port: EADDRNOTAVAIL
//   / EADDRINUSE) the dial is retried from an ephemeral port, and a warning says why.
// TCP_NODELAY is set on every connection; IPv6 sockets are IPV6_V6ONLY (as rust does), so v4 and v6
// listeners on the same port coexist.
#pragma once

#include "lp2p/io/tcp_stream.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace lp2p::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// The local address a port-reuse dial to `remote` binds to: the unspecified address of remote's family
/// with the port of the first listener (in order) that has the same family and the same loopback-ness as
/// `remote`. A listener on an unspecified address (0.0.0.0, ::) serves loopback and non-loopback
/// remotes alike (rust registers each interface address of such a listener instead). IPv4-mapped IPv6
/// remotes count as IPv4. Pure function.
/// @return std::nullopt when no listener fits (dial from an ephemeral port).
std::optional<tcp::endpoint> choose_reuse_bind(const std::vector<tcp::endpoint>& listeners,
                                               const tcp::endpoint& remote);

/// Listen endpoints eligible for port reuse. TcpListener registers itself on listen and unregisters on
/// close. @par Thread safety All members are safe from any thread.
class PortReuseRegistry {
 public:
  void add(const tcp::endpoint& listen);
  /// Removes one registration of `listen` (no-op if absent).
  void remove(const tcp::endpoint& listen);
  std::vector<tcp::endpoint> listeners() const;
  /// choose_reuse_bind(listeners(), remote).
  std::optional<tcp::endpoint> bind_for(const tcp::endpoint& remote) const;

 private:
  mutable std::mutex mutex_;
  std::vector<tcp::endpoint> listeners_;
};

/// A listening TCP socket (SO_REUSEADDR + SO_REUSEPORT, set before bind).
/// @par Thread safety accept() and close() must run on the listener's executor.
class TcpListener {
 public:
  static constexpr int default_backlog = 1024;  // rust-libp2p's default listen backlog

  /// Binds and listens on `endpoint` (v4 or v6; port 0 picks a free port, reported by
  /// local_endpoint()). Registers the bound endpoint in `registry` when it is not null; the registry
  /// must outlive the listener.
  /// @return the socket error of open/setsockopt/bind/listen (e.g. address_in_use).
  static result<std::unique_ptr<TcpListener>> listen(asio::any_io_executor executor, const tcp::endpoint& endpoint,
                                                     PortReuseRegistry* registry = nullptr,
                                                     int backlog = default_backlog);
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  /// Waits for the next inbound connection (TCP_NODELAY set).
  /// @return io::error::closed after close(); operation_aborted if closed while waiting; socket errors.
  asio::awaitable<result<std::unique_ptr<io::TcpStream>>> accept();
  /// The bound endpoint, with the real port when listening on port 0.
  const tcp::endpoint& local_endpoint() const noexcept { return local_; }
  /// Stops listening, unregisters from the registry and cancels a pending accept(). Idempotent.
  void close() noexcept;

 private:
  TcpListener(tcp::acceptor acceptor, tcp::endpoint local, PortReuseRegistry* registry);
  tcp::acceptor acceptor_;
  tcp::endpoint local_;
  PortReuseRegistry* registry_;
};

struct DialOptions {
  /// Bind to a registered listener's port before connecting (rust's PortUse::Reuse, its default).
  bool port_reuse = true;
  /// Deadline for the whole dial, including a fallback attempt (rust: 10 s for dial + upgrade).
  std::chrono::milliseconds timeout{10000};
  /// Bind to exactly this local endpoint instead of the registry's choice (SO_REUSEPORT still set).
  std::optional<tcp::endpoint> bind_override;
};

/// Connects to `remote`, from a listener's port when port reuse applies (see the file comment).
/// @return the connected stream; transport::error::invalid_dial_target; io::error::timeout;
///         or the socket error (connection_refused, network_unreachable, ...). A bind/connect failure
///         with address_in_use / address_not_available on the reuse socket is not returned: the dial is
///         retried from an ephemeral port (logged at warn).
asio::awaitable<result<std::unique_ptr<io::TcpStream>>> tcp_dial(asio::any_io_executor executor, tcp::endpoint remote,
                                                                 const PortReuseRegistry& registry,
                                                                 DialOptions options = {});

enum class AddressFamily { any, v4, v6 };

/// Resolves `host` for /dns (any), /dns4 (v4) and /dns6 (v6). Numeric hosts resolve without a query.
/// The result keeps the resolver's order, without duplicates.
/// @return the endpoints (non-empty); transport::error::no_addresses; io::error::timeout; or the
///         resolver's error (asio::error::host_not_found, ...).
/// @par Thread safety `executor` must be single-threaded or a strand. A timed-out lookup keeps running in
///      the background (getaddrinfo cannot be interrupted) until the system resolver gives up.
asio::awaitable<result<std::vector<tcp::endpoint>>> resolve(asio::any_io_executor executor, std::string host,
                                                            std::uint16_t port,
                                                            AddressFamily family = AddressFamily::any,
                                                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace lp2p::transport
