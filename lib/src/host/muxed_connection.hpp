// The yamux driver: runs one yamux::Session (sans-IO) over an io::ByteStream (STYLE.md §7.4).
// It only moves bytes, time and events between Asio and the engine; every protocol decision is the
// Session's. One connection is one task tree: run() = reader && writer, and a timer callback.
#pragma once

#include "lp2p/codec/yamux/session.hpp"
#include "lp2p/io/byte_stream.hpp"
#include "lp2p/io/notify.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace lp2p::host_detail {

namespace asio = boost::asio;

class MuxedConnection : public std::enable_shared_from_this<MuxedConnection> {
 public:
  /// Inbound streams accepted by the session but not yet taken by accept_stream(); more are reset.
  static constexpr std::size_t max_accept_backlog = 256;

  MuxedConnection(io::StreamPtr transport, yamux::Role role, yamux::Config cfg);
  ~MuxedConnection();

  /// Drives the connection until it ends (peer EOF, violation, close()). Never throws.
  asio::awaitable<void> run();

  /// Opens an outbound yamux stream (the SYN goes out at once).
  asio::awaitable<result<io::StreamPtr>> open_stream();
  /// Waits for the next inbound stream. Fails with the connection's error once it has ended.
  asio::awaitable<result<io::StreamPtr>> accept_stream();
  /// Instead of queueing inbound streams for accept_stream(): hands each to `handler` as it opens (posted,
  /// in the order the peer opened them), so that no task has to wait in accept_stream() for the
  /// connection's whole life (a coroutine and a co_spawn per connection). Set before run(); dropped when
  /// the connection ends.
  void set_inbound_handler(std::function<void(io::StreamPtr)> handler) { inbound_handler_ = std::move(handler); }

  /// Graceful close: GoAway(normal), flush, close the transport. Streams fail with session_closed.
  void close();
  /// Abortive close (no flush).
  void abort() noexcept;
  /// The peer is unreachable (e.g. our ping timed out): ends the connection with `reason` and resets the
  /// transport (ByteStream::abort), so that nothing lingers in the kernel.
  void fail(error_code reason) noexcept;

  bool is_closed() const noexcept { return finished_ || session_.closed(); }
  /// No new outbound stream can be opened: closed, or either side sent GoAway (e.g. close() ran).
  bool is_closing() const noexcept { return closing_ || is_closed() || session_.remote_go_away(); }
  /// Why the connection ended (clear while it runs).
  error_code error() const noexcept { return error_; }
  std::size_t stream_count() const { return session_.stream_count(); }
  std::optional<yamux::Duration> rtt() const { return session_.rtt(); }
  const io::ByteStream& transport() const noexcept { return *transport_; }
  /// How long a batch may wait for more frames after idling (see gather_output). Tests that count writes
  /// raise it so that a slow build (sanitizers) cannot end the gathering early.
  void set_gather_max_wait(std::chrono::steady_clock::duration d) noexcept { gather_max_wait_ = d; }

 private:
  friend class YamuxStream;
  struct Slot {
    explicit Slot(const asio::any_io_executor& ex) : readable(ex), writable(ex) {}
    io::Notify readable;
    io::Notify writable;
    bool reset = false;      // the peer reset it
    bool freed = false;      // the session forgot it (StreamClosed)
    bool abandoned = false;  // dropped by its owner after FIN: discard input until the peer's FIN
  };

  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  /// Arms timer_ for the session's next deadline; on_timer() handles its expiry and re-arms it.
  void arm_timer();
  void on_timer();
  /// run()'s end: accept_stream() learns that the connection is gone.
  void finish() noexcept;
  /// Lets the coroutines that are ready to run add their frames before a batch is taken (see write_loop).
  asio::awaitable<void> gather_output();
  /// Lets a reader held by run() go, once: after the first batch is written, or when writing ends.
  void release_reader() noexcept;
  /// Processes every pending session event and wakes whoever waits for it. Call after each session call.
  void drain();
  /// The owner dropped a stream it had half-closed: keep it until the peer finishes, discarding what
  /// arrives, so the peer still reads everything we sent (an RST would drop it in the peer's buffer).
  void abandon(yamux::StreamId id);
  void discard_input(yamux::StreamId id);
  /// set_inbound_handler's posted step: the stream to the handler, unless it or the connection is gone.
  void deliver_inbound(yamux::StreamId id);
  std::shared_ptr<Slot> slot(yamux::StreamId id);
  static yamux::Time now() { return yamux::Clock::now(); }

  io::StreamPtr transport_;
  asio::any_io_executor executor_;
  yamux::Role role_;
  yamux::Session session_;
  std::unordered_map<yamux::StreamId, std::shared_ptr<Slot>> slots_;
  /// Inbound streams not yet accepted: accept_queue_[accept_head_...]. A vector, not a std::deque, which
  /// allocates a map and a 512-byte block when constructed, for every connection.
  std::vector<yamux::StreamId> accept_queue_;
  std::size_t accept_head_ = 0;
  std::function<void(io::StreamPtr)> inbound_handler_;
  io::Notify accept_ready_;
  io::Notify output_ready_;
  /// The dialer's read loop starts after its first batch is written (see run()); release_reader() clears it.
  io::Notify first_write_done_;
  bool hold_reads_ = false;
  std::chrono::steady_clock::duration gather_max_wait_ = std::chrono::microseconds(200);
  asio::steady_timer timer_;
  std::optional<yamux::Time> timer_armed_;
  Bytes write_buffer_;
  bool closing_ = false;   // close() called: flush, then close the transport
  bool finished_ = false;  // reader has stopped
  error_code error_;
};

}  // namespace lp2p::host_detail
