#include "lp2p/codec/yamux/session.hpp"

#include "lp2p/core/copy.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <limits>
#include <unordered_map>

namespace lp2p::yamux {
namespace {

constexpr std::uint64_t max_window = std::numeric_limits<std::uint32_t>::max();

/// A byte FIFO with a read offset: appends at the back, pops at the front, compacts lazily.
class ByteQueue {
 public:
  std::size_t size() const noexcept { return data_.size() - head_; }
  bool empty() const noexcept { return size() == 0; }
  BytesView view() const noexcept { return BytesView(data_).subspan(head_); }
  void append(BytesView b) { append_bytes(data_, b.data(), b.size()); }
  void append(const std::uint8_t* p, std::size_t n) { append_bytes(data_, p, n); }
  void consume(std::size_t n) noexcept {
    head_ += std::min(n, size());
    if (head_ == data_.size()) {
      data_.clear();
      head_ = 0;
    } else if (head_ >= 64 * 1024 && head_ * 2 >= data_.size()) {
      // What is left is at most head_ bytes long: moving it to the front overlaps nothing.
      copy_bytes(data_.data(), data_.data() + head_, size());
      data_.resize(size());
      head_ = 0;
    }
  }
  /// Moves every byte into `into` (whose old contents are dropped): a swap of storage when nothing was
  /// consumed yet, so a driver that alternates two buffers copies nothing.
  void take(Bytes& into) {
    into.clear();
    if (head_ == 0) {
      std::swap(data_, into);
    } else {
      into.assign(data_.begin() + static_cast<std::ptrdiff_t>(head_), data_.end());
      data_.clear();
      head_ = 0;
    }
  }
  std::size_t pop(std::span<std::uint8_t> out) noexcept {
    const std::size_t n = std::min(out.size(), size());
    copy_bytes(out.data(), data_.data() + head_, n);
    consume(n);
    return n;
  }
  /// Puts bytes back in front of the queue (rare: a read target given back unread).
  void prepend(BytesView b) {
    Bytes joined;
    joined.reserve(b.size() + size());
    append_bytes(joined, b.data(), b.size());
    append_bytes(joined, data_.data() + head_, size());
    data_.swap(joined);
    head_ = 0;
  }
  void clear() noexcept {
    data_.clear();
    data_.shrink_to_fit();
    head_ = 0;
  }

 private:
  Bytes data_;
  std::size_t head_ = 0;
};

struct Stream {
  bool outbound = false;
  bool awaiting_ack = false;  // outbound: SYN sent, ACK not yet received (counts in the ACK backlog)
  bool ack_pending = false;   // inbound: our next frame on this stream carries ACK
  bool local_fin = false;
  bool remote_fin = false;
  bool write_blocked = false;  // a write was cut short: owe a Writable
  std::uint64_t send_window = initial_window;
  std::uint32_t recv_window = initial_window;  // credit the peer still has
  std::uint32_t recv_max = initial_window;     // auto-tuned maximum
  Time last_window_update{};
  ByteQueue buffer;
  // Zero-copy receive (arm_read): while the buffer is empty, received bytes go straight into the
  // waiting reader's span. armed_filled bytes of it are received and not yet read.
  std::span<std::uint8_t> armed;
  std::size_t armed_filled = 0;
  bool is_armed = false;
  /// Received bytes not yet read, wherever they are.
  std::size_t unread() const noexcept { return buffer.size() + armed_filled; }
};

}  // namespace

struct Session::Impl {
  Role role;
  Config cfg;
  bool terminated = false;
  bool local_go_away = false;
  bool remote_go_away = false;
  std::uint64_t next_id;
  std::unordered_map<StreamId, Stream> streams;
  std::size_t unacked_outbound = 0;
  std::size_t blocked_writers = 0;
  std::size_t budget_used = 0;  // sum over streams of recv_max - initial_window
  /// Events not yet polled: events[events_head...]. A vector, not a std::deque, which allocates a map
  /// and a 512-byte block when constructed, for every connection.
  std::vector<Event> events;
  std::size_t events_head = 0;
  ByteQueue out;
  Time now;

  // Frame decoder state: a header being assembled, then (Data only) a body streamed straight into the
  // stream's buffer, so a 1 MiB frame is never held twice.
  std::array<std::uint8_t, header_size> hdr{};
  std::size_t hdr_len = 0;
  std::uint32_t body_remaining = 0;
  StreamId body_stream = 0;  // 0: skip the body
  bool body_fin = false;

  // Ping / keep-alive.
  bool ping_outstanding = false;
  std::uint32_t ping_value = 0;
  std::uint32_t next_ping_value = 0;
  Time ping_sent{};
  Time next_keepalive{};
  Time last_rx{};
  std::optional<Duration> rtt;

  Impl(Role r, Config c, Time t) : role(r), cfg(c), next_id(r == Role::client ? 1 : 2), now(t), last_rx(t) {
    cfg.max_stream_window = std::max(cfg.max_stream_window, initial_window);
    cfg.split_send_size = std::max<std::uint32_t>(cfg.split_send_size, 1);
    if (cfg.keepalive_interval > Duration::zero()) send_ping(t);
    events.reserve(8);  // one allocation for the session's life: a handful are queued between polls
  }

  // ---- output helpers ----
  void emit_frame(FrameType type, std::uint16_t fl, StreamId id, std::uint32_t length) {
    const auto b = encode_header(Header{protocol_version, type, fl, id, length});
    out.append(b.data(), b.size());
  }
  /// A frame the peer made us send: fails the session when the peer keeps us from draining our output.
  bool emit_reply(FrameType type, std::uint16_t fl, StreamId id, std::uint32_t length) {
    if (out.size() + header_size > cfg.max_pending_output + cfg.max_control_backlog) {
      fail(error::send_queue_full, GoAwayCode::internal_error);
      return false;
    }
    emit_frame(type, fl, id, length);
    return true;
  }
  std::uint16_t take_ack(Stream& s) {
    if (!s.ack_pending) return 0;
    s.ack_pending = false;
    return flags::ack;
  }
  std::size_t output_room() const {
    return out.size() < cfg.max_pending_output ? cfg.max_pending_output - out.size() : 0;
  }


  void fail(error e, std::optional<GoAwayCode> go_away_code) {
    if (terminated) return;
    if (go_away_code) emit_frame(FrameType::go_away, 0, 0, static_cast<std::uint32_t>(*go_away_code));
    terminated = true;
    streams.clear();
    unacked_outbound = blocked_writers = budget_used = 0;
    body_remaining = 0;
    hdr_len = 0;
    ping_outstanding = false;
    events.emplace_back(Failed{make_error_code(e)});
  }
  void violation(error e) { fail(e, GoAwayCode::protocol_error); }

  // ---- stream helpers ----
  /// Receive window granted over all streams: each has initial_window plus its auto-tuned growth.
  std::size_t granted_window() const { return streams.size() * std::size_t{initial_window} + budget_used; }
  /// Whether one more stream (initial_window of credit) fits under max_connection_receive_window.
  bool room_for_stream() const { return granted_window() + initial_window <= cfg.max_connection_receive_window; }
  bool is_peer_id(StreamId id) const {
    // Clients use odd ids, servers even ones; the peer has the other role.
    return (id % 2 == 1) == (role == Role::server);
  }
  Stream* find(StreamId id) {
    auto it = streams.find(id);
    return it == streams.end() ? nullptr : &it->second;
  }
  void free_stream(StreamId id) {
    auto it = streams.find(id);
    if (it == streams.end()) return;
    Stream& s = it->second;
    if (s.awaiting_ack) --unacked_outbound;
    if (s.write_blocked) --blocked_writers;
    budget_used -= s.recv_max - initial_window;
    streams.erase(it);
    events.emplace_back(StreamClosed{id});
  }
  void maybe_free(StreamId id, const Stream& s) {
    if (s.local_fin && s.remote_fin && s.unread() == 0) free_stream(id);
  }
  void set_blocked(Stream& s, bool blocked) {
    if (s.write_blocked == blocked) return;
    s.write_blocked = blocked;
    if (blocked) ++blocked_writers;
    else --blocked_writers;
  }
  void check_writable(StreamId id, Stream& s) {
    if (s.write_blocked && !s.local_fin && s.send_window > 0 && output_room() > header_size) {
      set_blocked(s, false);
      events.emplace_back(Writable{id});
    }
  }
  /// Pending output shrank: writers blocked on max_pending_output may go on.
  void output_drained() {
    if (terminated || blocked_writers == 0 || output_room() <= header_size) return;
    for (auto& [id, s] : streams) check_writable(id, s);
  }
  void remote_finished(StreamId id, Stream& s) {
    if (s.remote_fin) return;
    s.remote_fin = true;
    events.emplace_back(RemoteFin{id});
    maybe_free(id, s);
  }

  // ---- ping ----
  void send_ping(Time t) {
    ping_outstanding = true;
    ping_value = next_ping_value++;
    ping_sent = t;
    emit_frame(FrameType::ping, flags::syn, 0, ping_value);
  }

  // ---- receive path ----
  void on_bytes(BytesView in) {
    std::size_t i = 0;
    while (i < in.size() && !terminated) {
      if (body_remaining > 0) {
        const std::size_t n = std::min<std::size_t>(body_remaining, in.size() - i);
        deliver(in.subspan(i, n));
        i += n;
        body_remaining -= static_cast<std::uint32_t>(n);
        if (body_remaining == 0) finish_body();
        continue;
      }
      const std::size_t n = std::min(header_size - hdr_len, in.size() - i);
      std::memcpy(hdr.data() + hdr_len, in.data() + i, n);
      hdr_len += n;
      i += n;
      if (hdr_len < header_size) break;
      hdr_len = 0;
      auto h = decode_header(std::span<const std::uint8_t, header_size>(hdr));
      if (!h) {
        violation(static_cast<error>(h.error().value()));
        return;
      }
      on_header(*h);
    }
  }

  void on_header(const Header& h) {
    switch (h.type) {
      case FrameType::ping: return on_ping(h);
      case FrameType::go_away: return on_go_away(h);
      case FrameType::data:
      case FrameType::window_update: break;
    }
    if (h.stream_id == 0) return violation(error::unexpected_frame_on_stream0);
    const bool is_data = h.type == FrameType::data;
    const std::uint32_t body = is_data ? h.length : 0;
    if (body > cfg.max_frame_body) return violation(error::frame_too_large);
    // From here on, every path must consume the body (start_body) so the decoder stays in sync.
    const StreamId id = h.stream_id;

    if (h.flags & flags::ack) {
      if (Stream* s = find(id); s && s->awaiting_ack) {
        s->awaiting_ack = false;
        --unacked_outbound;
      }
    }
    if (h.flags & flags::rst) {
      if (find(id)) {
        events.emplace_back(StreamReset{id});
        free_stream(id);
      }
      return start_body(body, 0, false);
    }
    if (h.flags & flags::syn) {
      if (!is_peer_id(id)) return violation(error::stream_id_parity);
      if (find(id)) return violation(error::duplicate_stream_id);
      // rust: a first frame above the default credit is a protocol error.
      if (body > initial_window) return violation(error::window_exceeded);
      if (local_go_away || streams.size() >= cfg.max_streams || !room_for_stream()) {
        // Refuse with RST (spec: "reply ... with the RST flag to reject the stream"); any data that came
        // with the SYN is dropped, later frames for the id are ignored as for any unknown stream.
        if (!emit_reply(FrameType::window_update, flags::rst, id, 0)) return;
        return start_body(body, 0, false);
      }
      Stream& s = streams[id];
      s.ack_pending = true;
      s.last_window_update = now;
      events.emplace_back(StreamOpened{id});
    }
    Stream* s = find(id);
    if (!s) {
      // Not a violation: the stream may have been reset or closed by us while the peer was still sending
      // (rust-yamux issue #110). Skip the frame.
      return start_body(body, 0, false);
    }
    if (!is_data) {
      if (h.length > 0) {
        s->send_window += h.length;
        if (s->send_window > max_window) return violation(error::window_overflow);
        check_writable(id, *s);
      }
      if (h.flags & flags::fin) remote_finished(id, *s);
      return;
    }
    if (body > s->recv_window) return violation(error::window_exceeded);
    if (s->remote_fin) return start_body(body, 0, false);  // data after the peer's own FIN: ignored
    s->recv_window -= body;
    start_body(body, id, (h.flags & flags::fin) != 0);
  }

  void start_body(std::uint32_t length, StreamId target, bool fin) {
    body_remaining = length;
    body_stream = target;
    body_fin = fin;
    if (length == 0) finish_body();
  }
  void deliver(BytesView chunk) {
    if (body_stream == 0) return;
    Stream* s = find(body_stream);  // looked up per chunk: the app may reset it between on_bytes calls
    if (!s) return;
    const bool was_empty = s->unread() == 0;
    if (s->is_armed && s->buffer.empty()) {
      // The reader waits with a span: fill it first (one copy instead of two), buffer only the rest.
      const std::size_t n = std::min(chunk.size(), s->armed.size() - s->armed_filled);
      copy_bytes(s->armed.data() + s->armed_filled, chunk.data(), n);
      s->armed_filled += n;
      chunk = chunk.subspan(n);
    }
    if (!chunk.empty()) s->buffer.append(chunk);
    if (was_empty && s->unread() > 0) events.emplace_back(Readable{body_stream});
  }
  void finish_body() {
    if (body_stream != 0 && body_fin) {
      if (Stream* s = find(body_stream)) remote_finished(body_stream, *s);
    }
    body_stream = 0;
    body_fin = false;
  }

  void on_ping(const Header& h) {
    if (h.stream_id != 0) return violation(error::session_frame_on_stream);
    if (h.flags == flags::syn) {
      emit_reply(FrameType::ping, flags::ack, 0, h.length);  // echo the opaque value exactly
    } else if (h.flags == flags::ack) {
      if (!ping_outstanding || h.length != ping_value) return violation(error::unsolicited_pong);
      ping_outstanding = false;
      rtt = now - ping_sent;
      next_keepalive = ping_sent + cfg.keepalive_interval;
      events.emplace_back(PingRtt{*rtt});
    } else {
      violation(error::invalid_flags);
    }
  }

  void on_go_away(const Header& h) {
    if (h.stream_id != 0) return violation(error::session_frame_on_stream);
    events.emplace_back(GoAwayReceived{static_cast<GoAwayCode>(h.length)});
    switch (h.length) {
      case 0: remote_go_away = true; return;
      case 1: return fail(error::go_away_received_protocol, std::nullopt);
      default: return fail(error::go_away_received_internal, std::nullopt);
    }
  }

  // ---- flow control (rust-yamux flow_control.rs semantics) ----
  void maybe_window_update(StreamId id, Stream& s) {
    if (s.remote_fin) return;  // the peer sends nothing more: no credit needed
    const std::uint32_t received = s.recv_max - s.recv_window;  // credit the peer used
    const std::uint32_t buffered = static_cast<std::uint32_t>(s.unread());  // <= received; not yet taken by the app
    std::uint32_t update = received - std::min(buffered, received);
    if (update < s.recv_max / 2) return;  // half or more is still available to the sender
    if (rtt && now - s.last_window_update < 2 * *rtt) {
      // The sender used half its credit in under two round trips: the window limits throughput.
      std::uint64_t grown = std::min<std::uint64_t>(std::uint64_t{s.recv_max} * 2, cfg.max_stream_window);
      std::size_t budget_left =
          cfg.connection_window_budget > budget_used ? cfg.connection_window_budget - budget_used : 0;
      const std::size_t granted = granted_window();
      budget_left = std::min(budget_left, cfg.max_connection_receive_window > granted
                                              ? cfg.max_connection_receive_window - granted
                                              : std::size_t{0});
      grown = std::min<std::uint64_t>(grown, std::uint64_t{s.recv_max} + budget_left);
      if (grown > s.recv_max) {
        budget_used += static_cast<std::size_t>(grown - s.recv_max);
        s.recv_max = static_cast<std::uint32_t>(grown);
        update = (s.recv_max - s.recv_window) - buffered;
      }
    }
    s.last_window_update = now;
    s.recv_window += update;
    emit_frame(FrameType::window_update, take_ack(s), id, update);
  }
};

Session::Session(Role role, Config cfg, Time now) : impl_(std::make_unique<Impl>(role, cfg, now)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

void Session::on_bytes(Time now, BytesView in) {
  Impl& m = *impl_;
  if (m.terminated) return;
  m.now = now;
  if (!in.empty()) m.last_rx = now;
  m.on_bytes(in);
}

void Session::on_eof(Time now) {
  Impl& m = *impl_;
  m.now = now;
  m.fail(error::transport_closed, std::nullopt);
}

void Session::on_timeout(Time now) {
  Impl& m = *impl_;
  if (m.terminated) return;
  m.now = now;
  if (m.ping_outstanding) {
    if (m.cfg.keepalive_timeout > Duration::zero() &&
        now >= std::max(m.ping_sent, m.last_rx) + m.cfg.keepalive_timeout) {
      m.fail(error::keepalive_timeout, GoAwayCode::internal_error);
    }
  } else if (m.cfg.keepalive_interval > Duration::zero() && now >= m.next_keepalive) {
    m.send_ping(now);
  }
}

std::optional<Time> Session::next_timeout() const {
  const Impl& m = *impl_;
  if (m.terminated) return std::nullopt;
  if (m.ping_outstanding) {
    if (m.cfg.keepalive_timeout > Duration::zero())
      return std::max(m.ping_sent, m.last_rx) + m.cfg.keepalive_timeout;
    return std::nullopt;
  }
  if (m.cfg.keepalive_interval > Duration::zero()) return m.next_keepalive;
  return std::nullopt;
}

result<StreamId> Session::open_stream(Time now) {
  Impl& m = *impl_;
  if (m.terminated || m.local_go_away) return error_code(error::session_closed);
  if (m.remote_go_away) return error_code(error::go_away_received_normal);
  if (m.unacked_outbound >= m.cfg.max_ack_backlog) return error_code(error::ack_backlog_full);
  if (m.streams.size() >= m.cfg.max_streams) return error_code(error::too_many_streams);
  if (!m.room_for_stream()) return error_code(error::connection_window_full);
  if (m.next_id > max_window) return error_code(error::stream_ids_exhausted);
  m.now = now;
  const auto id = static_cast<StreamId>(m.next_id);
  m.next_id += 2;
  Stream& s = m.streams[id];
  s.outbound = true;
  s.awaiting_ack = true;
  s.last_window_update = now;
  ++m.unacked_outbound;
  m.emit_frame(FrameType::window_update, flags::syn, id, 0);
  return id;
}

result<std::size_t> Session::write(StreamId id, BytesView data) {
  Impl& m = *impl_;
  if (m.terminated) return error_code(error::session_closed);
  Stream* s = m.find(id);
  if (!s) return error_code(error::unknown_stream);
  if (s->local_fin) return error_code(error::write_closed);
  const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), s->send_window));
  std::size_t room = m.output_room();
  std::size_t taken = 0;
  while (taken < want && room > header_size) {
    const std::size_t chunk = std::min({want - taken, room - header_size, std::size_t{m.cfg.split_send_size}});
    m.emit_frame(FrameType::data, m.take_ack(*s), id, static_cast<std::uint32_t>(chunk));
    m.out.append(data.data() + taken, chunk);
    taken += chunk;
    room -= header_size + chunk;
  }
  s->send_window -= taken;
  m.set_blocked(*s, taken < data.size());
  return taken;
}

result<std::size_t> Session::read(StreamId id, std::span<std::uint8_t> out, Time now) {
  Impl& m = *impl_;
  if (m.terminated) return error_code(error::session_closed);
  Stream* s = m.find(id);
  if (!s) return error_code(error::unknown_stream);
  std::size_t n = 0;
  if (s->is_armed) {
    // The bytes are already in the armed span (which the caller passes again as `out`); the buffer only
    // holds what did not fit in it.
    n = std::min(s->armed_filled, out.size());
    if (out.data() != s->armed.data()) copy_bytes(out.data(), s->armed.data(), n);
    if (n < s->armed_filled) s->buffer.prepend(BytesView(s->armed.data() + n, s->armed_filled - n));
    s->armed = {};
    s->armed_filled = 0;
    s->is_armed = false;
  }
  if (n == 0) n = s->buffer.pop(out);
  if (n == 0) {
    if (s->remote_fin && s->buffer.empty()) return error_code(error::end_of_stream);
    return std::size_t{0};
  }
  m.now = std::max(m.now, now);
  m.maybe_window_update(id, *s);
  m.maybe_free(id, *s);
  return n;
}

bool Session::arm_read(StreamId id, std::span<std::uint8_t> dst) {
  Impl& m = *impl_;
  if (m.terminated) return false;
  Stream* s = m.find(id);
  if (!s || dst.empty() || s->unread() > 0 || s->remote_fin) return false;
  s->armed = dst;
  s->armed_filled = 0;
  s->is_armed = true;
  return true;
}

void Session::disarm_read(StreamId id) {
  Stream* s = impl_->find(id);
  if (!s || !s->is_armed) return;
  // What arrived is unread: back in front of whatever came behind it.
  if (s->armed_filled > 0) s->buffer.prepend(BytesView(s->armed.data(), s->armed_filled));
  s->armed = {};
  s->armed_filled = 0;
  s->is_armed = false;
}

result<void> Session::close_write(StreamId id) {
  Impl& m = *impl_;
  if (m.terminated) return error_code(error::session_closed);
  Stream* s = m.find(id);
  if (!s) return error_code(error::unknown_stream);
  if (s->local_fin) return {};
  s->local_fin = true;
  m.set_blocked(*s, false);
  m.emit_frame(FrameType::data, static_cast<std::uint16_t>(flags::fin | m.take_ack(*s)), id, 0);
  m.maybe_free(id, *s);
  return {};
}

result<void> Session::reset(StreamId id) {
  Impl& m = *impl_;
  if (m.terminated) return error_code(error::session_closed);
  if (!m.find(id)) return error_code(error::unknown_stream);
  m.emit_frame(FrameType::window_update, flags::rst, id, 0);
  m.free_stream(id);
  return {};
}

void Session::go_away(GoAwayCode code) {
  Impl& m = *impl_;
  if (m.terminated) return;
  if (code != GoAwayCode::normal) return m.fail(error::session_closed, code);
  if (m.local_go_away) return;
  m.local_go_away = true;
  m.emit_frame(FrameType::go_away, 0, 0, static_cast<std::uint32_t>(GoAwayCode::normal));
}

bool Session::ping(Time now) {
  Impl& m = *impl_;
  if (m.terminated || m.ping_outstanding) return false;
  m.now = now;
  m.send_ping(now);
  return true;
}

std::optional<Event> Session::poll_event() {
  Impl& m = *impl_;
  if (m.events_head == m.events.size()) return std::nullopt;
  Event e = std::move(m.events[m.events_head++]);
  if (m.events_head == m.events.size()) {  // drained: start over at the front (capacity stays)
    m.events.clear();
    m.events_head = 0;
  } else if (m.events_head >= 64 && 2 * m.events_head >= m.events.size()) {
    // Polled one at a time while more keep coming: drop the polled front now and then.
    m.events.erase(m.events.begin(), m.events.begin() + static_cast<std::ptrdiff_t>(m.events_head));
    m.events_head = 0;
  }
  return e;
}

BytesView Session::pending_output() const { return impl_->out.view(); }

void Session::output_written(std::size_t n) {
  Impl& m = *impl_;
  m.out.consume(n);
  m.output_drained();
}

void Session::take_output(Bytes& into) {
  Impl& m = *impl_;
  m.out.take(into);
  m.output_drained();
}

bool Session::closed() const { return impl_->terminated; }

std::optional<StreamInfo> Session::stream_info(StreamId id) const {
  const auto it = impl_->streams.find(id);
  if (it == impl_->streams.end()) return std::nullopt;
  const Stream& s = it->second;
  return StreamInfo{s.outbound,   s.outbound ? !s.awaiting_ack : !s.ack_pending,
                    s.local_fin,  s.remote_fin,
                    s.send_window, s.recv_window,
                    s.recv_max,   s.unread()};
}

std::size_t Session::stream_count() const { return impl_->streams.size(); }
std::size_t Session::ack_backlog() const { return impl_->unacked_outbound; }
std::optional<Duration> Session::rtt() const { return impl_->rtt; }
bool Session::remote_go_away() const { return impl_->remote_go_away; }

}  // namespace lp2p::yamux
