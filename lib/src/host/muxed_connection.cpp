#include "host/muxed_connection.hpp"

#include "io/join.hpp"
#include "lp2p/core/read_size.hpp"
#include "lp2p/io/error.hpp"
#include "lp2p/log.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/deferred.hpp>

#include <chrono>
#include <limits>

namespace lp2p::host_detail {

namespace {
/// The peer can no longer hear us: our keep-alive got no answer, or the transport itself failed (reset,
/// broken pipe, ETIMEDOUT, ...). Not for a clean end or a protocol error of a live peer.
bool peer_unreachable(const error_code& ec) noexcept {
  if (!ec) return false;
  if (ec == yamux::error::keepalive_timeout || ec == io::error::timeout) return true;
  return ec.category() == boost::system::system_category() || ec.category() == boost::system::generic_category();
}
}  // namespace

/// One yamux stream seen as an io::ByteStream. Holds the connection alive; fails with the session's error
/// once the connection has ended.
class YamuxStream final : public io::ByteStream {
 public:
  YamuxStream(std::shared_ptr<MuxedConnection> conn, yamux::StreamId id,
              std::shared_ptr<MuxedConnection::Slot> slot)
      : conn_(std::move(conn)), id_(id), slot_(std::move(slot)) {}
  ~YamuxStream() override {
    if (closed_) return;
    if (fin_sent_ && !slot_->freed && !slot_->reset && !conn_->session_.closed()) {
      closed_ = true;
      conn_->abandon(id_);
      return;
    }
    close();
  }

  asio::any_io_executor executor() override { return conn_->executor_; }

  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override {
    if (buf.empty()) co_return std::size_t{0};
    for (;;) {
      if (closed_) co_return error_code(io::error::closed);
      if (slot_->reset) co_return error_code(asio::error::connection_reset);
      auto r = conn_->session_.read(id_, buf, MuxedConnection::now());
      conn_->drain();
      if (r && *r > 0) co_return *r;
      if (!r) {
        if (r.error() == yamux::error::end_of_stream) co_return error_code(asio::error::eof);
        if (slot_->reset) co_return error_code(asio::error::connection_reset);
        if (r.error() == yamux::error::session_closed && conn_->error_) co_return conn_->error_;
        // Both sides closed and everything was read: the session already forgot the stream.
        if (r.error() == yamux::error::unknown_stream && slot_->freed) co_return error_code(asio::error::eof);
        co_return r.error();
      }
      // Nothing buffered: let the session copy what arrives straight into buf (the next read() above
      // collects it). If this coroutine ends without that read (cancelled, closed), the guard gives the
      // bytes back to the stream's buffer.
      ArmGuard guard{conn_->session_.arm_read(id_, buf) ? this : nullptr};
      const bool woken = co_await slot_->readable.wait();
      if (!woken) co_return error_code(asio::error::operation_aborted);
      if (closed_ || slot_->reset) continue;  // the guard disarms; the checks above report it
      guard.stream = nullptr;                 // the read() above disarms
    }
  }

  asio::awaitable<result<void>> write_all(BytesView data) override {
    while (!data.empty()) {
      if (closed_) co_return error_code(io::error::closed);
      if (slot_->reset) co_return error_code(asio::error::connection_reset);
      auto r = conn_->session_.write(id_, data);
      conn_->drain();
      if (!r) {
        if (r.error() == yamux::error::write_closed) co_return error_code(io::error::write_after_shutdown);
        if (slot_->reset || r.error() == yamux::error::unknown_stream) co_return error_code(asio::error::connection_reset);
        if (r.error() == yamux::error::session_closed && conn_->error_) co_return conn_->error_;
        co_return r.error();
      }
      data = data.subspan(*r);
      if (!data.empty() && !co_await slot_->writable.wait()) co_return error_code(asio::error::operation_aborted);
    }
    co_return result<void>{};
  }

  asio::awaitable<result<void>> shutdown_write() override {
    if (closed_) co_return error_code(io::error::closed);
    if (slot_->reset) co_return error_code(asio::error::connection_reset);
    auto r = conn_->session_.close_write(id_);
    conn_->drain();
    if (!r && r.error() != yamux::error::unknown_stream) co_return r.error();
    fin_sent_ = true;
    co_return result<void>{};
  }

  void close() noexcept override {
    if (closed_) return;
    closed_ = true;
    if (!slot_->freed && !conn_->session_.closed()) {
      (void)conn_->session_.reset(id_);
      conn_->drain();
    }
    slot_->readable.notify();
    slot_->writable.notify();
  }

  std::string describe() const override { return "yamux stream " + std::to_string(id_) + " over " + conn_->transport_->describe(); }

 private:
  struct ArmGuard {
    YamuxStream* stream;
    ~ArmGuard() {
      if (stream && !stream->slot_->freed) stream->conn_->session_.disarm_read(stream->id_);
    }
  };

  std::shared_ptr<MuxedConnection> conn_;
  yamux::StreamId id_;
  std::shared_ptr<MuxedConnection::Slot> slot_;
  bool closed_ = false;
  bool fin_sent_ = false;
};

MuxedConnection::MuxedConnection(io::StreamPtr transport, yamux::Role role, yamux::Config cfg)
    : transport_(std::move(transport)),
      executor_(transport_->executor()),
      role_(role),
      session_(role, cfg, now()),
      accept_ready_(executor_),
      output_ready_(executor_),
      first_write_done_(executor_),
      timer_(executor_) {}

MuxedConnection::~MuxedConnection() = default;

std::shared_ptr<MuxedConnection::Slot> MuxedConnection::slot(yamux::StreamId id) {
  auto& s = slots_[id];
  if (!s) s = std::make_shared<Slot>(executor_);
  return s;
}

void MuxedConnection::drain() {
  while (auto ev = session_.poll_event()) {
    std::visit(
        [&](auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, yamux::StreamOpened>) {
            slot(e.id);
            if (inbound_handler_) {
              // Posted, not called: the handler starts work on the stream, which must not run inside
              // this loop (a read of the new stream would drain() again from within it).
              asio::post(executor_, [self = shared_from_this(), id = e.id] { self->deliver_inbound(id); });
            } else if (accept_queue_.size() - accept_head_ >= max_accept_backlog) {
              LP2P_LOG(warn, "yamux") << "inbound stream " << e.id << " refused: " << max_accept_backlog
                                      << " streams wait to be accepted";
              (void)session_.reset(e.id);
            } else {
              if (accept_head_ >= 64 && 2 * accept_head_ >= accept_queue_.size()) {
                // Accepted one at a time while more keep coming: drop the accepted front now and then.
                accept_queue_.erase(accept_queue_.begin(), accept_queue_.begin() + static_cast<std::ptrdiff_t>(accept_head_));
                accept_head_ = 0;
              }
              accept_queue_.push_back(e.id);
              accept_ready_.notify();
            }
          } else if constexpr (std::is_same_v<E, yamux::Readable> || std::is_same_v<E, yamux::RemoteFin>) {
            if (auto it = slots_.find(e.id); it != slots_.end()) {
              if (it->second->abandoned) discard_input(e.id);
              else it->second->readable.notify();
            }
          } else if constexpr (std::is_same_v<E, yamux::Writable>) {
            if (auto it = slots_.find(e.id); it != slots_.end()) it->second->writable.notify();
          } else if constexpr (std::is_same_v<E, yamux::StreamReset>) {
            if (auto it = slots_.find(e.id); it != slots_.end()) {
              it->second->reset = true;
              it->second->readable.notify();
              it->second->writable.notify();
            }
          } else if constexpr (std::is_same_v<E, yamux::StreamClosed>) {
            if (auto it = slots_.find(e.id); it != slots_.end()) {
              it->second->freed = true;
              it->second->readable.notify();
              it->second->writable.notify();
              slots_.erase(it);
            }
          } else if constexpr (std::is_same_v<E, yamux::GoAwayReceived>) {
            LP2P_LOG(debug, "yamux") << "peer sent GoAway code " << static_cast<int>(e.code);
          } else if constexpr (std::is_same_v<E, yamux::PingRtt>) {
            LP2P_LOG(trace, "yamux") << "rtt " << std::chrono::duration_cast<std::chrono::microseconds>(e.rtt).count() << "us";
          } else if constexpr (std::is_same_v<E, yamux::Failed>) {
            if (!error_) error_ = e.ec;
            LP2P_LOG(debug, "yamux") << "session ended: " << e.ec.message() << " on " << transport_->describe();
            for (auto& [id, s] : slots_) {
              s->freed = true;
              s->readable.notify();
              s->writable.notify();
            }
            accept_ready_.notify();
          }
        },
        *ev);
  }
  if (!session_.pending_output().empty() || session_.closed()) output_ready_.notify();
  // Re-arm only for an earlier deadline (or none): while a keep-alive ping is outstanding every received
  // frame moves the deadline later, and re-arming for each would cost a timer wake-up and a timerfd
  // update per read. A timer that fires before the session's deadline is harmless: on_timeout() checks
  // the deadlines itself, and on_timer() then arms the current one.
  auto next = session_.next_timeout();
  if (next != timer_armed_ && (!next || !timer_armed_ || *next < *timer_armed_)) timer_.cancel();
}

void MuxedConnection::abandon(yamux::StreamId id) {
  auto it = slots_.find(id);
  if (it == slots_.end()) return;
  it->second->abandoned = true;
  discard_input(id);
  drain();
}

void MuxedConnection::discard_input(yamux::StreamId id) {
  std::uint8_t scratch[4096];
  for (;;) {
    auto r = session_.read(id, scratch, now());
    if (!r || *r == 0) break;
  }
}

asio::awaitable<void> MuxedConnection::run() {
  auto self = shared_from_this();
  drain();  // the first keep-alive ping is queued at construction
  // The dialer's transport still holds Noise message 3 and the /yamux proposal, sent with its first
  // write or before its first read. Reading first would send them alone; holding the reader until the
  // first batch is out sends them with the ping and whatever streams were opened: one segment instead
  // of three. (The listener has nothing held back and reads at once: the dialer's frames that came with
  // message 3 are then answered in its first batch.)
  hold_reads_ = role_ == yamux::Role::client && !session_.pending_output().empty();
  arm_timer();
  // The reader is spawned (it starts first, as it did as the first branch of a parallel group) and the
  // writer runs in this coroutine; either failing aborts the connection, which ends the other.
  try {
    const std::function<void()> stop = [this] { abort(); };
    co_await io::join_both(write_loop(), read_loop(), stop);
  } catch (...) {
    finish();  // accept_stream() must not wait for a connection that is gone
    throw;
  }
  finish();
}

void MuxedConnection::deliver_inbound(yamux::StreamId id) {
  if (!inbound_handler_) return;  // the connection ended meanwhile
  auto it = slots_.find(id);
  if (it == slots_.end()) return;  // already reset by the peer and freed
  inbound_handler_(io::StreamPtr(std::make_unique<YamuxStream>(shared_from_this(), id, it->second)));
}

void MuxedConnection::finish() noexcept {
  finished_ = true;
  inbound_handler_ = nullptr;  // it may hold the connection's owner
  if (!error_) error_ = yamux::error::session_closed;
  accept_ready_.notify();
}

asio::awaitable<void> MuxedConnection::read_loop() {
  // A transport that holds what it delivers (Noise: the decrypted frames) is read through views, with
  // no buffer here at all. Only another transport needs one: it starts small (an idle connection keeps
  // it for its whole life), doubles up to 64 KiB while reads fill it, and is not zero-filled (a
  // short-lived connection would spend more on clearing it than on its traffic).
  ReadSize read_size;
  std::size_t buf_size = 0;
  std::unique_ptr<std::uint8_t[]> buf;
  if (hold_reads_) (void)co_await first_write_done_.wait();
  while (!session_.closed()) {
    auto& transport = io::skip_passthrough(*transport_);
    result<BytesView> got = BytesView{};
    if (transport.supports_read_view()) {
      got = co_await transport.read_view(std::numeric_limits<std::size_t>::max());
    } else {
      if (!buf) {
        buf_size = read_size.size();
        buf = std::make_unique_for_overwrite<std::uint8_t[]>(buf_size);
      }
      auto r = co_await transport.read_some(std::span<std::uint8_t>(buf.get(), buf_size));
      if (r) got = BytesView(buf.get(), *r);
      else got = r.error();
    }
    if (!got) {
      if (!session_.closed()) {
        if (closing_ && !error_) error_ = yamux::error::session_closed;
        else if (!error_ && got.error() != asio::error::eof) error_ = got.error();
        session_.on_eof(now());
      }
      drain();
      break;
    }
    session_.on_bytes(now(), *got);  // copies what it keeps: the view may go
    drain();
    if (buf && read_size.on_read(buf_size, got->size())) {  // the session copied the bytes: the old buffer can go
      buf_size = read_size.size();
      buf = std::make_unique_for_overwrite<std::uint8_t[]>(buf_size);
    }
  }
  finished_ = true;
  output_ready_.notify();
  timer_.cancel();
}

void MuxedConnection::release_reader() noexcept {
  if (!hold_reads_) return;  // once: a Notify is a timer cancellation, not for every write
  hold_reads_ = false;
  first_write_done_.notify();
}

asio::awaitable<void> MuxedConnection::gather_output() {
  // A frame queued now is usually one of several: a stream's SYN, its multistream proposal and its
  // first data, a reply that follows the echo, identify answering while the handshake's last frames are
  // processed. Each comes from a different coroutine a few scheduler turns apart, and writing each batch
  // at once cost a send (and the peer a wake-up and a read) per frame group. So before taking a batch
  // after being idle, step aside until a few passes of the scheduler's queue add nothing (at most
  // max_passes): the other coroutines that are ready add theirs, and nothing waits on the network. A
  // reply is often several hops behind (a spawn, a negotiation's completion, the handler), so one quiet
  // pass is not yet the end. A pass costs one post, far less than the send it saves. On a busy loop a
  // pass is a trip through every ready handler, so gathering also stops after max_wait: the batch must
  // not wait on other connections' work for longer than a loopback round trip (gather_max_wait_).
  constexpr int max_passes = 32;
  constexpr int quiet_passes = 3;
  const auto max_wait = gather_max_wait_;  // 200 us unless a test raised it
  const auto start = std::chrono::steady_clock::now();
  int quiet = 0;
  for (int pass = 0; pass < max_passes && quiet < quiet_passes; ++pass) {
    const auto before = session_.pending_output().size();
    co_await asio::post(executor_, asio::deferred);
    if (session_.closed() || finished_) break;
    quiet = session_.pending_output().size() == before ? quiet + 1 : 0;
    if (std::chrono::steady_clock::now() - start >= max_wait) break;
  }
}

asio::awaitable<void> MuxedConnection::write_loop() {
  bool idle = true;  // the previous write finished with nothing queued behind it
  for (;;) {
    auto out = session_.pending_output();
    if (out.empty()) {
      if (session_.closed() || finished_ || closing_) break;
      idle = true;
      if (!co_await output_ready_.wait() && finished_) break;
      continue;
    }
    // Gathering only after idling: under a sustained transfer the next batch is already waiting. Also
    // on close(): a reply a few hops behind (an identify answer) then still goes out with the GoAway.
    if (idle) {
      co_await gather_output();
      idle = false;
      continue;  // re-check: the session may have closed meanwhile
    }
    // Take the bytes (a swap of buffers, no copy): the session keeps queueing while the write is pending.
    session_.take_output(write_buffer_);
    drain();
    auto r = co_await io::skip_passthrough(*transport_).write_all(write_buffer_);
    release_reader();
    if (!r) {
      if (!error_) error_ = r.error();
      break;
    }
  }
  release_reader();
  // Everything we had to say is flushed (or the transport broke): close it, which also ends read_loop.
  // A dead peer (keep-alive timeout, transport error) gets a reset instead: a graceful close would keep
  // the socket retransmitting into the void for minutes, and a new punch needs its 4-tuple.
  if (peer_unreachable(error_)) transport_->abort();
  else transport_->close();
  timer_.cancel();
}

void MuxedConnection::arm_timer() {
  if (session_.closed() || finished_) return;
  timer_armed_ = session_.next_timeout();
  timer_.expires_at(timer_armed_ ? *timer_armed_ : asio::steady_timer::time_point::max());
  // A callback, not a coroutine parked on the timer: most connections never see it fire.
  timer_.async_wait([self = shared_from_this()](const error_code&) { self->on_timer(); });
}

void MuxedConnection::on_timer() {
  // Woken by expiry or by a cancellation (drain() found an earlier deadline, or the connection ended).
  if (session_.closed() || finished_) return;
  if (timer_armed_ && now() >= *timer_armed_) {
    session_.on_timeout(now());
    drain();
  }
  arm_timer();
}

asio::awaitable<result<io::StreamPtr>> MuxedConnection::open_stream() {
  auto self = shared_from_this();
  if (is_closed()) co_return error_ ? error_ : error_code(yamux::error::session_closed);
  auto id = session_.open_stream(now());
  drain();
  if (!id) co_return id.error();
  co_return io::StreamPtr(std::make_unique<YamuxStream>(self, *id, slot(*id)));
}

asio::awaitable<result<io::StreamPtr>> MuxedConnection::accept_stream() {
  auto self = shared_from_this();
  for (;;) {
    if (accept_head_ < accept_queue_.size()) {
      auto id = accept_queue_[accept_head_++];
      if (accept_head_ == accept_queue_.size()) {  // drained: start over at the front (capacity stays)
        accept_queue_.clear();
        accept_head_ = 0;
      }
      auto it = slots_.find(id);
      if (it == slots_.end()) continue;  // already reset by the peer and freed
      co_return io::StreamPtr(std::make_unique<YamuxStream>(self, id, it->second));
    }
    if (is_closed()) co_return error_ ? error_ : error_code(yamux::error::session_closed);
    if (!co_await accept_ready_.wait()) co_return error_code(asio::error::operation_aborted);
  }
}

void MuxedConnection::close() {
  if (closing_ || is_closed()) return;
  closing_ = true;
  session_.go_away(yamux::GoAwayCode::normal);
  drain();
  output_ready_.notify();
}

void MuxedConnection::fail(error_code reason) noexcept {
  if (!error_) error_ = reason;
  closing_ = true;
  transport_->abort();
  timer_.cancel();
  output_ready_.notify();
}

void MuxedConnection::abort() noexcept {
  closing_ = true;
  if (!error_) error_ = yamux::error::session_closed;
  transport_->close();
  timer_.cancel();
  output_ready_.notify();
}

}  // namespace lp2p::host_detail
