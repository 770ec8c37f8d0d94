#include "transport/tcp_spray.hpp"

#include "lp2p/io/notify.hpp"
#include "lp2p/io/spawn.hpp"
#include "lp2p/io/use_nothrow.hpp"
#include "lp2p/log.hpp"

#include <boost/asio/steady_timer.hpp>

#include <sys/socket.h>

namespace lp2p::transport {
namespace {

constexpr const char* log_module = "spray";
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
using Clock = std::chrono::steady_clock;

struct Round : std::enable_shared_from_this<Round> {
  Round(asio::any_io_executor e, const SprayRoundParams& p)
      : ex(e), role(p.role), selector(p.role, Clock::now(), p.round_timeout, static_cast<std::uint32_t>(p.targets.size())),
        upgrade(p.upgrade), done(e), deadline(e), start(Clock::now()) {}

  asio::any_io_executor ex;
  spray::Role role;
  spray::SpraySelector selector;
  SprayUpgrade upgrade;
  io::Notify done;
  asio::steady_timer deadline;
  Clock::time_point start;
  std::vector<std::unique_ptr<tcp::socket>> socks;  // index = selector SocketId; null once closed/handed on
  bool over = false;
  SprayRoundResult result;

  void close(spray::SocketId id) {
    if (id >= socks.size() || !socks[id]) return;
    error_code ignored;
    socks[id]->close(ignored);
    socks[id].reset();
  }

  void apply(const spray::SelectorActions& a) {
    for (auto id : a.close) close(id);
    std::optional<spray::SocketId> chosen = role == spray::Role::a ? a.speak_on : a.adopt;
    if (chosen && *chosen < socks.size() && socks[*chosen]) {
      auto sock = std::move(socks[*chosen]);
      const auto id = *chosen;
      error_code ec;
      sock->set_option(tcp::no_delay(true), ec);
      // The endpoints are read inside TcpStream: a socket reset meanwhile fails the upgrade, not us.
      std::unique_ptr<io::TcpStream> stream;
      try {
        stream = std::make_unique<io::TcpStream>(std::move(*sock));
      } catch (const std::exception& e) {
        LP2P_LOG(debug, log_module) << "chosen socket " << id << " unusable: " << e.what();
        apply(selector.on_upgrade_failed(id, Clock::now()));
        return;
      }
      LP2P_LOG(info, log_module) << (role == spray::Role::a ? "speaking first on" : "adopting") << " socket " << id
                                 << " " << io::to_string(stream->local_endpoint()) << " <-> "
                                 << io::to_string(stream->remote_endpoint()) << " after "
                                 << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count()
                                 << " ms";
      io::spawn_detached(ex, [](std::shared_ptr<Round> me, spray::SocketId sid, std::unique_ptr<io::TcpStream> s) -> asio::awaitable<void> {
        const bool ok = co_await me->upgrade(std::move(s));
        me->apply(ok ? me->selector.on_upgraded(sid, Clock::now()) : me->selector.on_upgrade_failed(sid, Clock::now()));
      }(shared_from_this(), id, std::move(stream)), "spray upgrade");
    }
    if (a.round_over || selector.state() == spray::SpraySelector::State::succeeded ||
        selector.state() == spray::SpraySelector::State::failed) {
      over = true;
      done.notify();
    }
  }

  void on_connect(spray::SocketId id, error_code ec) {
    if (id >= socks.size() || !socks[id]) return;  // closed by us (operation_aborted) or handed on
    if (ec) {
      close(id);
      apply(selector.on_failed(id, Clock::now()));
      return;
    }
    if (result.first_connect.count() < 0)
      result.first_connect = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    LP2P_LOG(debug, log_module) << "socket " << id << " connected";
    apply(selector.on_connected(id, Clock::now()));
    if (role == spray::Role::b && id < socks.size() && socks[id]) {
      // B never writes first: it waits for A's first bytes on whichever socket A chose.
      socks[id]->async_wait(tcp::socket::wait_read, [self = shared_from_this(), id](error_code wec) {
        self->on_readable(id, wec);
      });
    }
  }

  void on_readable(spray::SocketId id, error_code ec) {
    if (id >= socks.size() || !socks[id]) return;
    std::uint8_t byte = 0;
    std::size_t n = 0;
    if (!ec) n = socks[id]->receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    if (ec || n == 0) {  // EOF: A closed this one (it chose another), or a reset
      close(id);
      apply(selector.on_failed(id, Clock::now()));
      return;
    }
    apply(selector.on_readable(id, Clock::now()));
  }

  void open_all(const SprayRoundParams& p) {
    socks.reserve(p.targets.size());
    for (const auto& target : p.targets) {
      auto id = selector.on_opened(Clock::now());
      if (!id) break;
      auto s = std::make_unique<tcp::socket>(ex);
      error_code ec;
      s->open(target.protocol(), ec);
      if (!ec && p.bind) {
        s->set_option(tcp::socket::reuse_address(true), ec);
        if (!ec) s->set_option(reuse_port(true), ec);
        if (!ec) s->bind(*p.bind, ec);
      }
      if (ec) {
        if (result.open_errors++ == 0) result.first_open_error = ec.message();
        socks.push_back(nullptr);
        apply(selector.on_failed(*id, Clock::now()));
        continue;
      }
      socks.push_back(std::move(s));
      socks.back()->async_connect(target, [self = shared_from_this(), sid = *id](error_code cec) {
        self->on_connect(sid, cec);
      });
    }
  }
};

}  // namespace

asio::awaitable<SprayRoundResult> run_spray_round(asio::any_io_executor executor, SprayRoundParams params) {
  auto r = std::make_shared<Round>(executor, params);
  r->open_all(params);
  r->deadline.expires_at(r->selector.deadline());
  r->deadline.async_wait([r](error_code ec) {
    if (!ec) r->apply(r->selector.on_timeout(Clock::now()));
  });
  while (!r->over) {
    if (!co_await r->done.wait()) break;  // cancelled: the caller is going away
  }
  r->deadline.cancel();
  for (spray::SocketId id = 0; id < r->socks.size(); ++id) r->close(id);
  r->result.succeeded = r->selector.state() == spray::SpraySelector::State::succeeded;
  r->result.stats = r->selector.stats(Clock::now());
  r->result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - r->start);
  co_return r->result;
}

}  // namespace lp2p::transport
