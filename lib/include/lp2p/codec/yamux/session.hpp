// yamux session engine (/yamux/1.0.0), sans-IO.
// Spec: https://github.com/libp2p/specs/blob/master/yamux/README.md (a copy of hashicorp/yamux spec.md plus
// the ACK-backlog rules). Interop rules (rust-yamux 0.14, go-yamux, js-libp2p-yamux): lp2p WIRE.md §1.5, §8.
// Engine shape: lp2p STYLE.md §7.3.
//
// The Session owns every stream's state, window and receive buffer. It never touches a socket or a clock:
// the driver feeds it transport bytes (on_bytes), the time (every input carries `now`), and application
// commands; it hands back bytes to write (pending_output / output_written) and events (poll_event).
//
// Driving contract: after EVERY input or command, drain poll_event() until empty, write out
// pending_output() (acknowledging with output_written), and re-arm the timer from next_timeout().
//
// Behaviour decisions (each documented where it applies below):
//  - open_stream sends the SYN at once, as WindowUpdate(SYN, delta 0) (like go and js), so the peer sees
//    the stream even before we write.
//  - An inbound stream is acknowledged lazily: the ACK flag rides on our first frame for that stream (data,
//    window update, or FIN), as rust does and the libp2p spec recommends ("SHOULD NOT implicitly
//    acknowledge streams but wait for the application to send the first DATA frame").
//  - An inbound SYN beyond Config::max_streams or max_connection_receive_window (or after we sent GoAway)
//    is refused with RST, not by
//    killing the connection (rust sends GoAway(internal); the spec allows RST as refusal).
//  - Pongs are strict (rust/js): an unrequested ACK ping or a wrong value fails the session.
//  - Ping and GoAway frames must use stream id 0 (spec), else session_frame_on_stream.
//  - Frames for a stream we no longer know (reset or fully closed by us) are ignored, not fatal
//    (rust-yamux issue #110). Data the peer sends after its own FIN is ignored too. A SYN reusing the id of
//    a stream that is already freed opens a new stream (as in rust).
//  - A WindowUpdate(SYN) grants initial_window + delta (rust); an RST is sent as WindowUpdate(RST) and a FIN
//    as an empty Data(FIN).
//  - Bounds: pending output is capped (write() stops at max_pending_output; peer-triggered replies fail the
//    session past max_control_backlog); each stream buffers at most its receive window, all of them
//    together at most max_connection_receive_window; the events one
//    on_bytes call can queue are bounded by the input size (at most a few per 12-byte header).
//  - Every peer violation: queue GoAway(protocol error), emit Failed(specific error), become closed().
//
// @par Thread safety
// None: one Session is used from one thread/strand at a time.
#pragma once

#include "lp2p/codec/yamux/error.hpp"
#include "lp2p/codec/yamux/header.hpp"
#include "lp2p/core/bytes.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <variant>

namespace lp2p::yamux {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Duration = Clock::duration;
using StreamId = std::uint32_t;

/// Every stream starts with this window in both directions (spec "Flow Control"); not negotiable.
constexpr std::uint32_t initial_window = 256 * 1024;

/// Which stream ids we allocate. rust picks client for the dialer of the (outbound) upgrade; with DCUtR
/// the roles come from the hole-punch (WIRE.md §1.5, "TCP simultaneous open").
enum class Role {
  client,  ///< odd ids: 1, 3, 5, ...
  server,  ///< even ids: 2, 4, 6, ...
};

struct Config {
  /// Ceiling of one stream's receive window under auto-tuning (js default maxStreamWindowSize 16 MiB).
  /// Values below initial_window are raised to it.
  std::uint32_t max_stream_window = 16 * 1024 * 1024;
  /// Total growth beyond initial_window that all streams together may be granted. Auto-tuning (rust
  /// yamux 0.13+): a stream's window doubles when the peer used half of it in under 2×RTT, and a
  /// WindowUpdate is sent once half the window has been read. Worst-case buffered bytes of a session are
  /// max_streams × initial_window + this budget.
  std::size_t connection_window_budget = 16 * 1024 * 1024;
  /// Streams open at once, both directions (rust default 512). Inbound SYNs beyond it get RST.
  std::size_t max_streams = 512;
  /// Receive window granted over all streams together (the sum of every stream's window maximum, i.e.
  /// what the peer may make us buffer for data not yet read): the per-connection cap on buffered received
  /// bytes. An inbound SYN that would take it past this is refused with RST (as past max_streams),
  /// open_stream fails with connection_window_full, and auto-tuning grows no window past it. 64 MiB:
  /// 256 streams at the initial 256 KiB window (the host's accept backlog), or fewer with grown windows.
  std::size_t max_connection_receive_window = 64 * 1024 * 1024;
  /// Outbound streams not yet acknowledged by the peer (spec "ACK backlog": at most 256).
  std::size_t max_ack_backlog = 256;
  /// Largest Data frame body accepted; larger is frame_too_large. It must not be below max_stream_window:
  /// js-yamux (8.x, stream.js sendData) sends as much of its send window as it has data for in ONE Data
  /// frame, so once auto-tuning grew a window to 16 MiB, js sends frames of up to 16 MiB (rust's 1 MiB
  /// limit broke a 64 MiB echo from js). Bodies are never buffered whole (they stream into the stream's
  /// receive buffer, which the window bounds), so a large limit costs no memory.
  std::uint32_t max_frame_body = 16 * 1024 * 1024;
  /// Outgoing Data frames carry at most this many bytes, so one busy stream cannot delay the frames of
  /// others (and pings) for long. 64 KiB is js-libp2p-yamux's maxMessageSize (rust splits at 16 KiB and
  /// accepts bodies up to 1 MiB, go sends up to the whole window; every one of them accepts any frame
  /// within the receive window, which starts at 256 KiB). Against 16 KiB it is a quarter of the frames,
  /// headers and receiver wake-ups under a bulk transfer: ~3% more one-stream throughput here
  /// (docs/benchmarks.md, Session 5).
  std::uint32_t split_send_size = 64 * 1024;
  /// write() stops accepting data once this many bytes wait in pending_output().
  std::size_t max_pending_output = 1024 * 1024;
  /// Extra room for frames the peer makes us send (ping answers, RST refusals) beyond max_pending_output;
  /// overflowing it (the peer floods while not reading) fails the session with send_queue_full.
  std::size_t max_control_backlog = 64 * 1024;
  /// Send a Ping every interval (go/js: 30 s); the first one goes out at construction, which also gives
  /// the RTT auto-tuning needs. Zero: no keep-alive pings (and no auto-tuning unless ping() is called).
  Duration keepalive_interval = std::chrono::seconds(30);
  /// An outstanding ping fails the session with keepalive_timeout when NOTHING (no byte at all) arrived
  /// for this long after it was sent: a busy but slow link whose pong queues behind data stays up.
  /// go-yamux waits 10 s. Zero: never time out.
  Duration keepalive_timeout = std::chrono::seconds(10);
};

// ---- events (poll_event) ----
struct StreamOpened { StreamId id; };    ///< the peer opened a stream (inbound only)
struct Readable { StreamId id; };        ///< bytes arrived into an empty receive buffer: read() until 0
struct Writable { StreamId id; };        ///< a write that was cut short can make progress again
struct RemoteFin { StreamId id; };       ///< the peer half-closed; read() returns end_of_stream once drained
struct StreamReset { StreamId id; };     ///< the peer reset the stream (buffered data is dropped)
struct StreamClosed { StreamId id; };    ///< last event of every stream: its state is freed, the id unknown
struct GoAwayReceived { GoAwayCode code; };  ///< raw code as received (unknown codes cast through)
struct PingRtt { Duration rtt; };        ///< a pong for our ping arrived
struct Failed { error_code ec; };        ///< terminal; nothing follows. All streams are gone (no per-stream events)

using Event = std::variant<StreamOpened, Readable, Writable, RemoteFin, StreamReset, StreamClosed,
                           GoAwayReceived, PingRtt, Failed>;

/// Snapshot of a stream, for drivers (back-pressure) and tests.
struct StreamInfo {
  bool outbound;
  bool acknowledged;          ///< outbound: the peer's ACK arrived; inbound: we sent our ACK
  bool local_fin;             ///< close_write was called
  bool remote_fin;            ///< the peer half-closed
  std::uint64_t send_window;  ///< bytes write() may still send
  std::uint32_t receive_window;      ///< bytes the peer may still send
  std::uint32_t max_receive_window;  ///< auto-tuned maximum (starts at initial_window)
  std::size_t buffered;       ///< received bytes not yet read
};

class Session {
 public:
  /// @param now the start time: the first keep-alive ping (if enabled) is queued at once.
  Session(Role role, Config cfg, Time now);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- inputs ----
  /// Bytes read from the transport, in any chunking (frames may be split anywhere); all are consumed.
  /// Peer violations end in Failed (see error.hpp), never in an exception. Ignored once closed().
  void on_bytes(Time now, BytesView in);
  /// The transport reached EOF or broke: Failed(transport_closed) unless already closed.
  void on_eof(Time now);
  /// Call at (or after) next_timeout(): sends keep-alive pings, detects keepalive_timeout.
  void on_timeout(Time now);
  /// When on_timeout wants to be called; nullopt: no timer needed.
  std::optional<Time> next_timeout() const;

  // ---- commands ----
  /// Opens an outbound stream; queues WindowUpdate(SYN, 0) at once.
  /// @errors error::session_closed (after Failed or our go_away), error::go_away_received_normal,
  ///   error::ack_backlog_full, error::too_many_streams, error::connection_window_full,
  ///   error::stream_ids_exhausted
  result<StreamId> open_stream(Time now);
  /// Queues up to data.size() bytes as Data frames of at most split_send_size. Takes no more than the
  /// stream's send window and the room left under max_pending_output. Returns the bytes taken; if that is
  /// less than data.size(), a Writable(id) event follows once more can be taken (0 = fully blocked).
  /// @errors error::session_closed, error::unknown_stream, error::write_closed
  result<std::size_t> write(StreamId id, BytesView data);
  /// Copies buffered received bytes into out and returns how many; 0 means nothing buffered yet (wait for
  /// Readable/RemoteFin). Reading may queue a WindowUpdate (once half the window has been read; `now`
  /// feeds auto-tuning). If the read drains a stream that both sides have closed, it is freed
  /// (StreamClosed) and later calls return unknown_stream.
  /// @errors error::session_closed, error::unknown_stream, error::end_of_stream (peer FIN, drained)
  result<std::size_t> read(StreamId id, std::span<std::uint8_t> out, Time now);
  /// Zero-copy receive for a reader about to wait: while nothing is buffered, received bytes of stream
  /// `id` are copied straight into `dst` (once, instead of into the stream's buffer and later out of it),
  /// and only what does not fit is buffered. The next read() takes them (pass the same span as `out`)
  /// and disarms; windows are credited then, exactly as if they had been buffered. `dst` must stay valid
  /// until that read() or disarm_read(). A Readable event still announces the first bytes.
  /// @return false (nothing armed) when bytes are already buffered, the peer finished, dst is empty, the
  ///   stream is unknown or the session closed: read() instead, which reports why.
  bool arm_read(StreamId id, std::span<std::uint8_t> dst);
  /// Gives up an armed span without reading (the reader was cancelled): whatever arrived in it goes back
  /// to the front of the stream's buffer, unread. No-op when nothing is armed or the stream is gone.
  void disarm_read(StreamId id);
  /// Half-close: queues an empty Data(FIN). Idempotent. Frees the stream (StreamClosed) when the peer has
  /// closed too and every byte has been read.
  /// @errors error::session_closed, error::unknown_stream
  result<void> close_write(StreamId id);
  /// Hard close: queues WindowUpdate(RST), drops buffered data, frees the stream (StreamClosed).
  /// @errors error::session_closed, error::unknown_stream
  result<void> reset(StreamId id);
  /// GoAway(normal): refuse new inbound streams (RST) and stop opening ours; existing streams go on.
  /// Any other code: queue GoAway(code) and terminate now (Failed(session_closed)).
  void go_away(GoAwayCode code);
  /// Sends a Ping(SYN) unless one is outstanding or the session is closed; the pong yields PingRtt.
  /// @return whether a ping was sent.
  bool ping(Time now);

  // ---- outputs ----
  std::optional<Event> poll_event();
  /// Bytes to write to the transport, in order. Valid until the next non-const call.
  BytesView pending_output() const;
  /// n bytes of pending_output() were written (n is clamped to its size).
  void output_written(std::size_t n);
  /// pending_output() moved into `into` (its previous contents are dropped), as if written: the same as
  /// copying it out and calling output_written(size), without the copy when the driver alternates
  /// buffers (the storage is swapped).
  void take_output(Bytes& into);
  /// Terminal: a Failed event was queued. pending_output() may still hold a final GoAway to flush.
  bool closed() const;

  // ---- queries ----
  std::optional<StreamInfo> stream_info(StreamId id) const;
  std::size_t stream_count() const;
  /// Outbound streams that still await the peer's ACK.
  std::size_t ack_backlog() const;
  /// Last measured round-trip time, if any pong arrived.
  std::optional<Duration> rtt() const;
  /// The peer sent GoAway(normal): open_stream fails, existing streams work.
  bool remote_go_away() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lp2p::yamux
