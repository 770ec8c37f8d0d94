#include "lp2p/transport/tcp.hpp"

#include "lp2p/io/error.hpp"
#include "lp2p/io/timeout.hpp"
#include "io/deadline_guard.hpp"
#include "io/deferred.hpp"
#include "lp2p/log.hpp"
#include "lp2p/transport/error.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <sys/socket.h>

namespace lp2p::transport {
namespace {

constexpr const char* log_module = "tcp";

// SO_REUSEPORT is not among Asio's portable options.
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// IPv4-mapped IPv6 (::ffff:a.b.c.d) is an IPv4 peer; our IPv6 sockets are V6ONLY and cannot reach it.
tcp::endpoint unmap(const tcp::endpoint& ep) {
  const auto a = ep.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return {asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()), ep.port()};
  return ep;
}

// Options every lp2p socket gets before bind: V6ONLY on IPv6, SO_REUSEADDR, optionally SO_REUSEPORT.
template <class Socket>
error_code prepare_socket(Socket& s, const tcp& protocol, bool reuse_port_too) {
  error_code ec;
  s.open(protocol, ec);
  if (ec) return ec;
  if (protocol == tcp::v6()) {
    s.set_option(asio::ip::v6_only(true), ec);
    if (ec) return ec;
  }
  s.set_option(typename Socket::reuse_address(true), ec);
  if (ec) return ec;
  if (reuse_port_too) s.set_option(reuse_port(true), ec);
  return ec;
}

bool is_tuple_in_use(const error_code& ec) {
  return ec == asio::error::address_in_use || ec == boost::system::errc::address_not_available;
}

// One connect attempt, bound to `bind` first when given. `*connecting` points at the socket while the
// connect is pending, for the dial's deadline to close it.
asio::awaitable<result<std::unique_ptr<io::TcpStream>>> connect_once(asio::any_io_executor ex, tcp::endpoint remote,
                                                                     std::optional<tcp::endpoint> bind,
                                                                     tcp::socket*& connecting) {
  tcp::socket s(ex);
  if (auto ec = prepare_socket(s, remote.protocol(), bind.has_value())) co_return ec;
  if (bind) {
    error_code ec;
    s.bind(*bind, ec);
    if (ec) co_return ec;
  }
  connecting = &s;
  auto [ec] = co_await s.async_connect(remote, io::nothrow_deferred);
  connecting = nullptr;
  if (ec) co_return ec;
  error_code ignored;
  s.set_option(tcp::no_delay(true), ignored);
  // The peer is the endpoint just connected to (what getpeername() would return); the local address
  // (an ephemeral or wildcard-bound one) is still asked for.
  co_return std::make_unique<io::TcpStream>(std::move(s), remote);
}

asio::awaitable<result<std::unique_ptr<io::TcpStream>>> dial_with_fallback(asio::any_io_executor ex,
                                                                           tcp::endpoint remote,
                                                                           std::optional<tcp::endpoint> bind,
                                                                           tcp::socket*& connecting) {
  if (bind) {
    LP2P_LOG(debug, log_module) << "dial " << io::to_string(remote) << " from " << io::to_string(*bind);
    auto r = co_await connect_once(ex, remote, bind, connecting);
    if (r || !is_tuple_in_use(r.error())) co_return r;
    // Typically an existing connection between the same two ip:port pairs; the peer (and any relay
    // or NAT) will now see an ephemeral source port instead of our listen port.
    LP2P_LOG(warn, log_module) << "dial " << io::to_string(remote) << " from port " << bind->port()
                               << " failed: " << r.error().message()
                               << " (that 4-tuple is already in use or the port cannot be shared);"
                                  " retrying from an ephemeral port, so the peer will not see our listen port";
  } else {
    LP2P_LOG(debug, log_module) << "dial " << io::to_string(remote) << " from an ephemeral port";
  }
  auto r = co_await connect_once(ex, remote, std::nullopt, connecting);
  co_return r;
}

}  // namespace

// ---- port reuse -----------------------------------------------------------------------------------

std::optional<tcp::endpoint> choose_reuse_bind(const std::vector<tcp::endpoint>& listeners,
                                               const tcp::endpoint& remote_in) {
  const auto remote = unmap(remote_in).address();
  for (const auto& l : listeners) {
    const auto ip = l.address();
    if (ip.is_v4() != remote.is_v4() || l.port() == 0) continue;
    if (!ip.is_unspecified() && ip.is_loopback() != remote.is_loopback()) continue;
    if (remote.is_v4()) return tcp::endpoint(asio::ip::address_v4::any(), l.port());
    return tcp::endpoint(asio::ip::address_v6::any(), l.port());
  }
  return std::nullopt;
}

void PortReuseRegistry::add(const tcp::endpoint& listen) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(listen);
}

void PortReuseRegistry::remove(const tcp::endpoint& listen) {
  std::lock_guard lock(mutex_);
  auto it = std::find(listeners_.begin(), listeners_.end(), listen);
  if (it != listeners_.end()) listeners_.erase(it);
}

std::vector<tcp::endpoint> PortReuseRegistry::listeners() const {
  std::lock_guard lock(mutex_);
  return listeners_;
}

std::optional<tcp::endpoint> PortReuseRegistry::bind_for(const tcp::endpoint& remote) const {
  std::lock_guard lock(mutex_);
  return choose_reuse_bind(listeners_, remote);
}

// ---- listener -------------------------------------------------------------------------------------

TcpListener::TcpListener(tcp::acceptor acceptor, tcp::endpoint local, PortReuseRegistry* registry)
    : acceptor_(std::move(acceptor)), local_(local), registry_(registry) {}

TcpListener::~TcpListener() { close(); }

result<std::unique_ptr<TcpListener>> TcpListener::listen(asio::any_io_executor executor, const tcp::endpoint& endpoint,
                                                         PortReuseRegistry* registry, int backlog) {
  tcp::acceptor a(executor);
  if (auto ec = prepare_socket(a, endpoint.protocol(), true)) return ec;
  error_code ec;
  a.bind(endpoint, ec);
  if (ec) return ec;
  a.listen(backlog, ec);
  if (ec) return ec;
  const auto local = a.local_endpoint(ec);
  if (ec) return ec;
  if (registry) registry->add(local);
  LP2P_LOG(debug, log_module) << "listening on " << io::to_string(local);
  return std::unique_ptr<TcpListener>(new TcpListener(std::move(a), local, registry));
}

asio::awaitable<result<std::unique_ptr<io::TcpStream>>> TcpListener::accept() {
  if (!acceptor_.is_open()) co_return io::error::closed;
  // accept() itself reports the peer's address (no getpeername()), and on a listener bound to a specific
  // address every accepted socket has the listener's local endpoint (no getsockname()).
  tcp::endpoint peer;
  auto [ec, socket] = co_await acceptor_.async_accept(peer, io::nothrow_deferred);
  if (ec) co_return ec;
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (local_.address().is_unspecified()) co_return std::make_unique<io::TcpStream>(std::move(socket), peer);
  co_return std::make_unique<io::TcpStream>(std::move(socket), local_, peer);
}

void TcpListener::close() noexcept {
  if (!acceptor_.is_open()) return;
  if (registry_) registry_->remove(local_);
  error_code ec;
  acceptor_.close(ec);
}

// ---- dial -----------------------------------------------------------------------------------------

asio::awaitable<result<std::unique_ptr<io::TcpStream>>> tcp_dial(asio::any_io_executor executor, tcp::endpoint remote,
                                                                 const PortReuseRegistry& registry,
                                                                 DialOptions options) {
  remote = unmap(remote);
  if (remote.port() == 0 || remote.address().is_unspecified()) co_return error::invalid_dial_target;
  std::optional<tcp::endpoint> bind = options.bind_override;
  if (!bind && options.port_reuse) bind = registry.bind_for(remote);
  // The deadline closes the socket being connected, which ends the connect with operation_aborted (a
  // guard instead of io::with_timeout: no coroutine spawned per dial).
  tcp::socket* connecting = nullptr;
  io::DeadlineGuard deadline(
      executor, options.timeout,
      [](void* p) noexcept {
        if (auto* s = *static_cast<tcp::socket**>(p)) {
          error_code ignored;
          s->close(ignored);
        }
      },
      &connecting);
  auto r = co_await dial_with_fallback(executor, remote, bind, connecting);
  deadline.settle(r);
  if (!r) LP2P_LOG(debug, log_module) << "dial " << io::to_string(remote) << " failed: " << r.error().message();
  co_return r;
}

// ---- DNS ------------------------------------------------------------------------------------------

namespace {
// getaddrinfo runs on Asio's private resolver thread and cannot be cancelled, so the lookup is not
// raced with `||` (which would wait for it): it runs detached and signals a timer that doubles as the
// deadline.
struct ResolveState {
  explicit ResolveState(const asio::any_io_executor& ex) : resolver(ex), signal(ex) {}
  tcp::resolver resolver;
  asio::steady_timer signal;
  bool done = false;
  error_code ec;
  tcp::resolver::results_type results;
};

asio::awaitable<void> run_lookup(std::shared_ptr<ResolveState> st, std::string host, std::string service) {
  auto [ec, results] = co_await st->resolver.async_resolve(host, service, tcp::resolver::numeric_service, io::nothrow_deferred);
  st->ec = ec;
  st->results = std::move(results);
  st->done = true;
  st->signal.cancel();
}
}  // namespace

asio::awaitable<result<std::vector<tcp::endpoint>>> resolve(asio::any_io_executor executor, std::string host,
                                                            std::uint16_t port, AddressFamily family,
                                                            std::chrono::milliseconds timeout) {
  auto st = std::make_shared<ResolveState>(executor);
  st->signal.expires_after(timeout);
  asio::co_spawn(executor, run_lookup(st, host, std::to_string(port)), asio::detached);
  if (!st->done) {
    auto [ec] = co_await st->signal.async_wait(io::nothrow_deferred);
    if (!st->done) {
      st->resolver.cancel();
      if (!ec) {
        LP2P_LOG(debug, log_module) << "resolve " << host << " timed out";
        co_return io::error::timeout;
      }
      co_return make_error_code(asio::error::operation_aborted);
    }
  }
  if (st->ec) {
    LP2P_LOG(debug, log_module) << "resolve " << host << " failed: " << st->ec.message();
    co_return st->ec;
  }
  std::vector<tcp::endpoint> out;
  for (const auto& entry : st->results) {
    const auto ep = unmap(entry.endpoint());
    if (family == AddressFamily::v4 && !ep.address().is_v4()) continue;
    if (family == AddressFamily::v6 && !ep.address().is_v6()) continue;
    if (std::find(out.begin(), out.end(), ep) == out.end()) out.push_back(ep);
  }
  if (out.empty()) co_return error::no_addresses;
  co_return out;
}

}  // namespace lp2p::transport
