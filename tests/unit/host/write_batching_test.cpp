// MuxedConnection gathers the frames that several coroutines queue in one scheduler turn into one
// transport write (one TCP segment instead of one per frame group), and still writes at once when only
// one coroutine has something to say.
#include "host/muxed_connection.hpp"
#include "support/check.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <vector>

using namespace lp2p;
namespace asio = boost::asio;

namespace {

/// A transport that records the size of every write and never delivers anything to read.
class RecordingStream final : public io::ByteStream {
 public:
  explicit RecordingStream(asio::any_io_executor ex) : ex_(ex), never_(ex) {}
  asio::any_io_executor executor() override { return ex_; }
  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t>) override {
    never_.expires_at(asio::steady_timer::time_point::max());
    co_await never_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return error_code(asio::error::operation_aborted);
  }
  asio::awaitable<result<void>> write_all(BytesView data) override {
    writes.push_back(data.size());
    co_return result<void>{};
  }
  asio::awaitable<result<void>> shutdown_write() override { co_return result<void>{}; }
  void close() noexcept override { never_.cancel(); }
  std::vector<std::size_t> writes;

 private:
  asio::any_io_executor ex_;
  asio::steady_timer never_;
};

yamux::Config quiet_config() {
  yamux::Config cfg;
  cfg.keepalive_interval = yamux::Duration::zero();  // no ping: only the test's frames are written
  return cfg;
}

/// A running client-side MuxedConnection over a RecordingStream; aborted at the end of the test.
struct RecordedMux {
  asio::io_context ioc;
  RecordingStream* rec = nullptr;
  std::shared_ptr<host_detail::MuxedConnection> mux;
  RecordedMux() {
    auto transport = std::make_unique<RecordingStream>(ioc.get_executor());
    rec = transport.get();
    mux = std::make_shared<host_detail::MuxedConnection>(std::move(transport), yamux::Role::client, quiet_config());
    // The batches here are bounded by scheduler passes, not by the wall-clock cap, which a sanitizer
    // build can exceed between three turns.
    mux->set_gather_max_wait(std::chrono::seconds(10));
    asio::co_spawn(ioc, mux->run(), asio::detached);
  }
  ~RecordedMux() {
    mux->abort();
    ioc.run_for(std::chrono::milliseconds(10));
  }
};

}  // namespace

TEST_CASE("muxed connection: streams opened by three coroutines a few turns apart leave in one write",
          "[host][yamux][batching]") {
  RecordedMux t;
  auto& ioc = t.ioc;
  auto& mux = t.mux;
  std::vector<io::StreamPtr> streams;
  const Bytes payload(100, 0x5a);
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(
        ioc,
        [&, i]() -> asio::awaitable<void> {
          // The i-th opener comes i scheduler turns later (a spawn, a negotiation's completion, ...).
          for (int turn = 0; turn < i; ++turn) co_await asio::post(ioc.get_executor(), asio::use_awaitable);
          auto s = co_await mux->open_stream();
          if (!s) co_return;
          (void)co_await (*s)->write_all(payload);
          streams.push_back(std::move(*s));
        },
        asio::detached);
  ioc.run_for(std::chrono::milliseconds(50));
  REQUIRE(streams.size() == 3);
  // Each stream: a SYN (window update, 12 bytes) and a data frame (12 + 100 bytes).
  REQUIRE(t.rec->writes.size() == 1);
  CHECK(t.rec->writes[0] == 3 * (12 + 12 + 100));
}

TEST_CASE("muxed connection: a lone frame group is written without waiting for more",
          "[host][yamux][batching]") {
  RecordedMux t;
  auto& ioc = t.ioc;
  auto& mux = t.mux;
  io::StreamPtr kept;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        auto s = co_await mux->open_stream();
        if (!s) co_return;
        kept = std::move(*s);
      },
      asio::detached);
  // A handful of scheduler passes, no timer: the SYN is out before anything else happens.
  for (int i = 0; i < 100 && t.rec->writes.empty(); ++i) ioc.poll_one();
  REQUIRE(t.rec->writes.size() == 1);
  CHECK(t.rec->writes[0] == 12);
}
