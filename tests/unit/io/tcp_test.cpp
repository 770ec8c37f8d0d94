#include "lp2p/transport/tcp.hpp"

#include "lp2p/io/error.hpp"
#include "lp2p/io/framed.hpp"
#include "lp2p/transport/error.hpp"
#include "support/check.hpp"
#include "support/log_capture.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

using namespace lp2p;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using transport::tcp;

namespace {
tcp::endpoint ep(const char* ip, std::uint16_t port) { return {asio::ip::make_address(ip), port}; }

std::unique_ptr<transport::TcpListener> listen_on(asio::io_context& ioc, const char* ip,
                                                  transport::PortReuseRegistry* reg = nullptr) {
  auto l = transport::TcpListener::listen(ioc.get_executor(), ep(ip, 0), reg);
  REQUIRE_OK(l);
  return std::move(*l);
}

bool ipv6_loopback_available() {
  asio::io_context ioc;
  return transport::TcpListener::listen(ioc.get_executor(), ep("::1", 0)).has_value();
}

struct Dialed {
  std::unique_ptr<io::TcpStream> ours;
  std::unique_ptr<io::TcpStream> theirs;  // as accepted by the target listener
};

// Dials `target` and accepts on it concurrently.
asio::awaitable<Dialed> dial_and_accept(transport::TcpListener& target, const transport::PortReuseRegistry& reg,
                                        transport::DialOptions opts = {}) {
  auto ex = co_await asio::this_coro::executor;
  std::optional<result<std::unique_ptr<io::TcpStream>>> accepted;
  asio::co_spawn(ex, [&]() -> asio::awaitable<void> { accepted = co_await target.accept(); }, asio::detached);
  auto d = co_await transport::tcp_dial(ex, target.local_endpoint(), reg, opts);
  REQUIRE_OK(d);
  while (!accepted) co_await asio::post(ex, asio::use_awaitable);
  REQUIRE_OK(*accepted);
  co_return Dialed{std::move(*d), std::move(**accepted)};
}
}  // namespace

// ---- choose_reuse_bind: the pure rule ---------------------------------------------------------------

TEST_CASE("choose_reuse_bind matches family and loopback-ness", "[transport][tcp][reuse]") {
  struct Row {
    const char* name;
    std::vector<tcp::endpoint> listeners;
    tcp::endpoint remote;
    std::optional<tcp::endpoint> expected;
  };
  const Row rows[] = {
      {"no listeners", {}, ep("1.2.3.4", 4001), std::nullopt},
      {"v4 public listener, public remote", {ep("192.168.1.5", 4001)}, ep("1.2.3.4", 80), ep("0.0.0.0", 4001)},
      {"v4 loopback listener, public remote", {ep("127.0.0.1", 4001)}, ep("1.2.3.4", 80), std::nullopt},
      {"v4 loopback listener, loopback remote", {ep("127.0.0.1", 4001)}, ep("127.0.0.1", 80), ep("0.0.0.0", 4001)},
      {"v4 public listener, loopback remote", {ep("192.168.1.5", 4001)}, ep("127.0.0.1", 80), std::nullopt},
      {"unspecified v4 listener serves public", {ep("0.0.0.0", 4001)}, ep("1.2.3.4", 80), ep("0.0.0.0", 4001)},
      {"unspecified v4 listener serves loopback", {ep("0.0.0.0", 4001)}, ep("127.0.0.1", 80), ep("0.0.0.0", 4001)},
      {"v6 listener, v4 remote", {ep("::", 4001)}, ep("1.2.3.4", 80), std::nullopt},
      {"v4 listener, v6 remote", {ep("0.0.0.0", 4001)}, ep("2001:db8::1", 80), std::nullopt},
      {"v6 unspecified listener, v6 remote", {ep("::", 4002)}, ep("2001:db8::1", 80), ep("::", 4002)},
      {"v6 loopback listener, v6 loopback", {ep("::1", 4002)}, ep("::1", 80), ep("::", 4002)},
      {"v6 loopback listener, v6 public", {ep("::1", 4002)}, ep("2001:db8::1", 80), std::nullopt},
      {"picks the listener of the right family",
       {ep("::", 4002), ep("0.0.0.0", 4001)}, ep("1.2.3.4", 80), ep("0.0.0.0", 4001)},
      {"picks the listener of the right loopback-ness",
       {ep("127.0.0.1", 5000), ep("10.0.0.2", 4001)}, ep("1.2.3.4", 80), ep("0.0.0.0", 4001)},
      {"first matching listener wins",
       {ep("10.0.0.2", 4001), ep("10.0.0.3", 4003)}, ep("1.2.3.4", 80), ep("0.0.0.0", 4001)},
      {"v4-mapped v6 remote counts as v4", {ep("0.0.0.0", 4001)}, ep("::ffff:1.2.3.4", 80), ep("0.0.0.0", 4001)},
      {"listener with port 0 is ignored", {ep("0.0.0.0", 0)}, ep("1.2.3.4", 80), std::nullopt},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    CHECK(transport::choose_reuse_bind(r.listeners, r.remote) == r.expected);
  }
}

TEST_CASE("PortReuseRegistry add/remove", "[transport][tcp][reuse]") {
  transport::PortReuseRegistry reg;
  CHECK_FALSE(reg.bind_for(ep("1.2.3.4", 1)));
  reg.add(ep("0.0.0.0", 4001));
  CHECK(reg.bind_for(ep("1.2.3.4", 1)) == ep("0.0.0.0", 4001));
  reg.remove(ep("0.0.0.0", 4001));
  CHECK(reg.listeners().empty());
  CHECK_FALSE(reg.bind_for(ep("1.2.3.4", 1)));
  reg.remove(ep("0.0.0.0", 4001));  // absent: no-op
}

// ---- real loopback sockets ----------------------------------------------------------------------

TEST_CASE("dialed and accepted streams know the endpoints getsockname/getpeername report", "[transport][tcp]") {
  // accept() returns the peer's address, a listener bound to one IP gives its local endpoint, and a dial
  // knows whom it connected to; only the rest is asked of the kernel. Whatever the source, the streams'
  // endpoints must be exactly what the system calls say, on both sides.
  struct Case {
    const char* listen_ip;
    const char* dial_ip;
  };
  std::vector<Case> cases{{"127.0.0.1", "127.0.0.1"}, {"0.0.0.0", "127.0.0.1"}};
  if (ipv6_loopback_available()) {
    cases.push_back({"::1", "::1"});
    cases.push_back({"::", "::1"});
  }
  for (const auto& c : cases) {
    INFO("listen on " << c.listen_ip << ", dial " << c.dial_ip);
    asio::io_context ioc;
    transport::PortReuseRegistry none;
    auto target = listen_on(ioc, c.listen_ip);
    const auto port = target->local_endpoint().port();
    auto d = run_coro(ioc, [&]() -> asio::awaitable<Dialed> {
      auto ex = co_await asio::this_coro::executor;
      std::optional<result<std::unique_ptr<io::TcpStream>>> accepted;
      asio::co_spawn(ex, [&]() -> asio::awaitable<void> { accepted = co_await target->accept(); }, asio::detached);
      auto dialed = co_await transport::tcp_dial(ex, ep(c.dial_ip, port), none);
      REQUIRE_OK(dialed);
      while (!accepted) co_await asio::post(ex, asio::use_awaitable);
      REQUIRE_OK(*accepted);
      co_return Dialed{std::move(*dialed), std::move(**accepted)};
    }());
    for (auto* s : {d.ours.get(), d.theirs.get()}) {
      CHECK(s->local_endpoint() == s->socket().local_endpoint());
      CHECK(s->remote_endpoint() == s->socket().remote_endpoint());
    }
    CHECK(d.ours->remote_endpoint() == ep(c.dial_ip, port));
    CHECK(d.ours->local_endpoint() == d.theirs->remote_endpoint());
    CHECK(d.theirs->local_endpoint() == d.ours->remote_endpoint());
    CHECK(d.ours->describe() == "tcp " + io::to_string(d.ours->local_endpoint()) + "->" + io::to_string(ep(c.dial_ip, port)));
  }
}

TEST_CASE("listener on port 0 reports the real port and registers it", "[transport][tcp]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto l = listen_on(ioc, "127.0.0.1", &reg);
  CHECK(l->local_endpoint().port() != 0);
  CHECK(l->local_endpoint().address() == asio::ip::make_address("127.0.0.1"));
  REQUIRE(reg.listeners().size() == 1);
  CHECK(reg.listeners()[0] == l->local_endpoint());
  l->close();
  CHECK(reg.listeners().empty());
}

TEST_CASE("tcp dial with port reuse leaves from the listener's port", "[transport][tcp][reuse]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours = listen_on(ioc, "127.0.0.1", &reg);
  auto target = listen_on(ioc, "127.0.0.1");  // the "remote" peer, not in our registry
  const auto listen_port = ours->local_endpoint().port();
  auto d = run_coro(ioc, dial_and_accept(*target, reg));
  CHECK(d.ours->local_endpoint().port() == listen_port);
  CHECK(d.theirs->remote_endpoint().port() == listen_port);  // what the peer (or a relay) observes
  CHECK(d.ours->remote_endpoint() == target->local_endpoint());

  // Bytes flow both ways, and half-close works over TCP.
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto w = co_await io::write_uvarint_frame(*d.ours, as_bytes("hello"));
    REQUIRE_OK(w);
    auto f = co_await io::read_uvarint_frame(*d.theirs, 64);
    REQUIRE_OK(f);
    CHECK(as_string_view(*f) == "hello");
    auto s = co_await d.ours->shutdown_write();
    REQUIRE_OK(s);
    std::uint8_t x;
    auto eof = co_await d.theirs->read_some({&x, 1});
    REQUIRE_ERR(eof, asio::error::eof);
    auto back = co_await d.theirs->write_all(as_bytes("!"));
    REQUIRE_OK(back);
    auto n = co_await d.ours->read_some({&x, 1});
    REQUIRE_OK(n);
    CHECK(x == '!');
    auto after = co_await d.ours->write_all(as_bytes("x"));
    REQUIRE_ERR(after, io::error::write_after_shutdown);
  }());
}

TEST_CASE("two dials to two listeners both leave from the same listen port", "[transport][tcp][reuse]") {
  // ctest runs other test processes at the same time, all as root. A port-0 listener with SO_REUSEADDR may
  // be given a port that another process's socket already holds, and then binding a dial to that port
  // fails (seen once under ASan: EADDRINUSE, and the dial fell back to an ephemeral port as designed). That
  // is the machine, not the code under test, so a fresh listening port gets a second and third chance.
  bool reused = false;
  for (int attempt = 1; attempt <= 3 && !reused; ++attempt) {
    asio::io_context ioc;
    transport::PortReuseRegistry reg;
    auto ours = listen_on(ioc, "127.0.0.1", &reg);
    auto t1 = listen_on(ioc, "127.0.0.1");
    auto t2 = listen_on(ioc, "127.0.0.1");
    const auto listen_port = ours->local_endpoint().port();
    auto d1 = run_coro(ioc, dial_and_accept(*t1, reg));
    auto d2 = run_coro(ioc, dial_and_accept(*t2, reg));
    reused = d1.theirs->remote_endpoint().port() == listen_port && d2.theirs->remote_endpoint().port() == listen_port;
    if (!reused) {
      WARN("attempt " << attempt << ": a dial did not leave from listen port " << listen_port << " (ports "
                      << d1.theirs->remote_endpoint().port() << ", " << d2.theirs->remote_endpoint().port()
                      << "); retrying with a new listening port");
      continue;
    }
    // And our listener still accepts inbound connections on that port.
    transport::PortReuseRegistry none;
    auto in = run_coro(ioc, dial_and_accept(*ours, none));
    CHECK(in.theirs->local_endpoint().port() == listen_port);
  }
  CHECK(reused);
}

TEST_CASE("a second dial on the same 4-tuple falls back to an ephemeral port and says why",
          "[transport][tcp][reuse]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours = listen_on(ioc, "127.0.0.1", &reg);
  auto target = listen_on(ioc, "127.0.0.1");
  const auto listen_port = ours->local_endpoint().port();
  auto first = run_coro(ioc, dial_and_accept(*target, reg));
  CHECK(first.theirs->remote_endpoint().port() == listen_port);

  test::LogCapture cap(log::Level::warn);
  auto second = run_coro(ioc, dial_and_accept(*target, reg));
  CHECK(second.theirs->remote_endpoint().port() != listen_port);
  INFO(cap.text());
  CHECK(cap.contains("WARN  tcp: dial 127.0.0.1:" + std::to_string(target->local_endpoint().port()) +
                     " from port " + std::to_string(listen_port)));
  CHECK(cap.contains("retrying from an ephemeral port"));
}

TEST_CASE("dial without port reuse uses an ephemeral port", "[transport][tcp][reuse]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours = listen_on(ioc, "127.0.0.1", &reg);
  auto target = listen_on(ioc, "127.0.0.1");
  auto d = run_coro(ioc, dial_and_accept(*target, reg, {.port_reuse = false}));
  CHECK(d.theirs->remote_endpoint().port() != ours->local_endpoint().port());
}

TEST_CASE("dial with bind_override binds exactly there", "[transport][tcp]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours = listen_on(ioc, "127.0.0.1");  // not registered: only the override points at it
  auto target = listen_on(ioc, "127.0.0.1");
  transport::DialOptions opts;
  opts.bind_override = ep("127.0.0.1", ours->local_endpoint().port());
  auto d = run_coro(ioc, dial_and_accept(*target, reg, opts));
  CHECK(d.theirs->remote_endpoint() == *opts.bind_override);
}

TEST_CASE("dial to a closed port is refused (with and without port reuse)", "[transport][tcp]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours = listen_on(ioc, "127.0.0.1", &reg);
  tcp::endpoint closed;
  {
    auto tmp = listen_on(ioc, "127.0.0.1");
    closed = tmp->local_endpoint();
  }
  for (bool reuse : {true, false}) {
    INFO("port_reuse " << reuse);
    auto r = run_coro(ioc, transport::tcp_dial(ioc.get_executor(), closed, reg, {.port_reuse = reuse}));
    REQUIRE_ERR(r, asio::error::connection_refused);
  }
}

TEST_CASE("dial rejects port 0 and unspecified addresses", "[transport][tcp]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto r1 = run_coro(ioc, transport::tcp_dial(ioc.get_executor(), ep("127.0.0.1", 0), reg));
  REQUIRE_ERR(r1, transport::error::invalid_dial_target);
  auto r2 = run_coro(ioc, transport::tcp_dial(ioc.get_executor(), ep("0.0.0.0", 80), reg));
  REQUIRE_ERR(r2, condition::misuse);
}

TEST_CASE("listener close cancels a pending accept; accept after close fails", "[transport][tcp]") {
  asio::io_context ioc;
  auto l = listen_on(ioc, "127.0.0.1");
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    std::optional<result<std::unique_ptr<io::TcpStream>>> accepted;
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> { accepted = co_await l->accept(); }, asio::detached);
    co_await asio::post(ex, asio::use_awaitable);
    l->close();
    while (!accepted) co_await asio::post(ex, asio::use_awaitable);
    REQUIRE_ERR(*accepted, asio::error::operation_aborted);
    auto again = co_await l->accept();
    REQUIRE_ERR(again, io::error::closed);
  }());
}

TEST_CASE("TcpStream close cancels a pending read; later reads report closed", "[transport][tcp]") {
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto target = listen_on(ioc, "127.0.0.1");
  auto d = run_coro(ioc, dial_and_accept(*target, reg));
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    std::optional<result<std::size_t>> read;
    std::uint8_t buf[4];
    asio::co_spawn(ex, [&]() -> asio::awaitable<void> { read = co_await d.ours->read_some(buf); }, asio::detached);
    co_await asio::post(ex, asio::use_awaitable);
    d.ours->close();
    while (!read) co_await asio::post(ex, asio::use_awaitable);
    REQUIRE_ERR(*read, asio::error::operation_aborted);
    auto again = co_await d.ours->read_some(buf);
    REQUIRE_ERR(again, io::error::closed);
    // The peer sees the connection end.
    auto peer = co_await d.theirs->read_some(buf);
    CHECK_FALSE(peer.has_value());
  }());
  CHECK(d.ours->describe().find("tcp 127.0.0.1:") == 0);
}

TEST_CASE("IPv6 loopback: port reuse dial from [::]:<listen port>", "[transport][tcp][reuse][ipv6]") {
  if (!ipv6_loopback_available()) {
    WARN("::1 not available here; skipping");
    return;
  }
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto ours4 = listen_on(ioc, "127.0.0.1", &reg);
  auto ours6 = listen_on(ioc, "::1", &reg);
  auto target6 = listen_on(ioc, "::1");
  auto d = run_coro(ioc, dial_and_accept(*target6, reg));
  CHECK(d.theirs->remote_endpoint().port() == ours6->local_endpoint().port());
  CHECK(d.theirs->remote_endpoint().address().is_v6());
  CHECK(d.ours->describe().find("[::1]:") != std::string::npos);
}

TEST_CASE("resolve numeric hosts, families and localhost", "[transport][dns]") {
  asio::io_context ioc;
  auto ex = ioc.get_executor();
  auto r = run_coro(ioc, transport::resolve(ex, "127.0.0.1", 4001));
  REQUIRE_OK(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0] == ep("127.0.0.1", 4001));

  auto wrong_family = run_coro(ioc, transport::resolve(ex, "127.0.0.1", 4001, transport::AddressFamily::v6));
  REQUIRE_ERR(wrong_family, transport::error::no_addresses);

  auto v4 = run_coro(ioc, transport::resolve(ex, "localhost", 80, transport::AddressFamily::v4));
  REQUIRE_OK(v4);
  for (const auto& e : *v4) {
    CHECK(e.address().is_v4());
    CHECK(e.port() == 80);
  }

  auto bad = run_coro(ioc, transport::resolve(ex, "no-such-host.invalid", 80, transport::AddressFamily::any, 5s),
                      std::chrono::seconds(10));
  CHECK_FALSE(bad.has_value());
}

TEST_CASE("dial timeout: a listener whose accept queue is full never answers", "[transport][tcp][timeout]") {
  // Linux drops SYNs while a listener's accept queue is full, so once the queue has filled up a connect
  // hangs; the dial's deadline must end it with io::error::timeout. Loopback only.
  asio::io_context ioc;
  transport::PortReuseRegistry reg;
  auto full = transport::TcpListener::listen(ioc.get_executor(), ep("127.0.0.1", 0), nullptr, 1);
  REQUIRE_OK(full);
  std::vector<std::unique_ptr<io::TcpStream>> keep;
  std::optional<error_code> timed_out;
  std::chrono::steady_clock::duration took{};
  for (int i = 0; i < 16 && !timed_out; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = run_coro(ioc, transport::tcp_dial(ioc.get_executor(), (*full)->local_endpoint(), reg,
                                               {.port_reuse = false, .timeout = std::chrono::milliseconds(300)}));
    if (r) {
      keep.push_back(std::move(*r));
    } else {
      timed_out = r.error();
      took = std::chrono::steady_clock::now() - t0;
    }
  }
  REQUIRE(timed_out);
  INFO("connections accepted by the kernel before the queue filled: " << keep.size());
  CHECK(*timed_out == io::error::timeout);
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(3));
}
