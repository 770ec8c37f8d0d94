#include "lp2p/io/memory_pipe.hpp"

#include "lp2p/io/error.hpp"
#include "lp2p/io/use_nothrow.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <atomic>
#include <deque>

namespace lp2p::io {
namespace {

using Clock = std::chrono::steady_clock;

// One direction of the pipe. The timers are used as condition variables: a waiting operation sleeps on
// a timer that never expires and is woken by cancel(). All ends run on one thread/strand, so a waiter
// re-checks its condition after every wake-up and no notification can be lost between check and wait.
struct Direction {
  explicit Direction(const asio::any_io_executor& ex) : readable(ex), writable(ex) {}
  std::deque<std::uint8_t> data;
  bool fin = false;             // the writing end called shutdown_write
  bool writer_aborted = false;  // the writing end was closed
  bool reader_aborted = false;  // the reading end was closed
  asio::steady_timer readable;  // the reader of this direction waits here for data/fin/abort
  asio::steady_timer writable;  // the writer of this direction waits here for space/abort
};

struct Shared {
  Shared(const asio::any_io_executor& ex, MemoryPipeOptions o, unsigned long n)
      : executor(ex), options(o), id(n), dirs{Direction(ex), Direction(ex)} {
    if (options.capacity == 0) options.capacity = 1;
  }
  asio::any_io_executor executor;
  MemoryPipeOptions options;
  unsigned long id;
  std::size_t operations = 0;
  Direction dirs[2];  // dirs[i] carries bytes written by end i

  bool inject_failure() {
    if (!options.fail_after) return false;
    if (operations >= *options.fail_after) return true;
    ++operations;
    return false;
  }
};

// Sleeps until `t` is cancelled by a notification. False when the wait ended because the operation
// itself was cancelled (e.g. the losing side of with_timeout's `||`).
asio::awaitable<bool> wait_for_signal(asio::steady_timer& t) {
  t.expires_at(Clock::time_point::max());
  auto [ec] = co_await t.async_wait(use_nothrow);
  (void)ec;
  asio::cancellation_state cs = co_await asio::this_coro::cancellation_state;
  co_return cs.cancelled() == asio::cancellation_type::none;
}

class PipeEnd final : public ByteStream {
 public:
  PipeEnd(std::shared_ptr<Shared> s, int side) : s_(std::move(s)), side_(side) {}
  ~PipeEnd() override { close(); }

  asio::any_io_executor executor() override { return s_->executor; }

  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override {
    if (buf.empty()) co_return std::size_t{0};
    if (closed_) co_return error::closed;
    if (s_->inject_failure()) co_return error::injected_failure;
    Direction& d = in();
    for (;;) {
      if (closed_) co_return make_error_code(asio::error::operation_aborted);
      if (d.writer_aborted) co_return make_error_code(asio::error::connection_reset);
      if (!d.data.empty()) {
        std::size_t n = std::min(buf.size(), d.data.size());
        if (s_->options.max_chunk != 0) n = std::min(n, s_->options.max_chunk);
        std::copy_n(d.data.begin(), n, buf.begin());
        d.data.erase(d.data.begin(), d.data.begin() + static_cast<std::ptrdiff_t>(n));
        d.writable.cancel();
        co_return n;
      }
      if (d.fin) co_return make_error_code(asio::error::eof);
      if (!co_await wait_for_signal(d.readable)) co_return make_error_code(asio::error::operation_aborted);
    }
  }

  asio::awaitable<result<void>> write_all(BytesView data) override {
    if (closed_) co_return error::closed;
    if (shut_) co_return error::write_after_shutdown;
    if (s_->inject_failure()) co_return error::injected_failure;
    Direction& d = out();
    std::size_t off = 0;
    for (;;) {
      if (closed_) co_return make_error_code(asio::error::operation_aborted);
      if (d.reader_aborted) co_return make_error_code(asio::error::connection_reset);
      if (off == data.size()) co_return result<void>{};
      const std::size_t space = s_->options.capacity - std::min(s_->options.capacity, d.data.size());
      if (space == 0) {
        if (!co_await wait_for_signal(d.writable)) co_return make_error_code(asio::error::operation_aborted);
        continue;
      }
      const std::size_t n = std::min(space, data.size() - off);
      d.data.insert(d.data.end(), data.begin() + static_cast<std::ptrdiff_t>(off),
                    data.begin() + static_cast<std::ptrdiff_t>(off + n));
      off += n;
      d.readable.cancel();
    }
  }

  asio::awaitable<result<void>> shutdown_write() override {
    if (closed_) co_return error::closed;
    if (s_->inject_failure()) co_return error::injected_failure;
    if (!shut_) {
      shut_ = true;
      out().fin = true;
      out().readable.cancel();
    }
    co_return result<void>{};
  }

  void close() noexcept override {
    if (closed_) return;
    closed_ = true;
    Direction& i = in();
    Direction& o = out();
    i.reader_aborted = true;
    o.writer_aborted = true;
    // Like an RST: whatever is still buffered in either direction is gone.
    i.data.clear();
    o.data.clear();
    // Wake our own pending operations (-> operation_aborted) and the peer's (-> connection_reset).
    i.readable.cancel();
    i.writable.cancel();
    o.readable.cancel();
    o.writable.cancel();
  }

  std::string describe() const override {
    return "memory-pipe#" + std::to_string(s_->id) + (side_ == 0 ? " a->b" : " b->a");
  }

 private:
  Direction& in() { return s_->dirs[1 - side_]; }
  Direction& out() { return s_->dirs[side_]; }

  std::shared_ptr<Shared> s_;
  int side_;
  bool closed_ = false;
  bool shut_ = false;
};

std::atomic<unsigned long> next_pipe_id{1};

}  // namespace

std::pair<StreamPtr, StreamPtr> make_memory_pipe(asio::any_io_executor executor, MemoryPipeOptions options) {
  auto shared = std::make_shared<Shared>(executor, options, next_pipe_id.fetch_add(1));
  return {std::make_unique<PipeEnd>(shared, 0), std::make_unique<PipeEnd>(shared, 1)};
}

}  // namespace lp2p::io
