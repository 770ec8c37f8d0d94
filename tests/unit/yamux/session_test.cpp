#include "lp2p/codec/yamux/session.hpp"

#include "support/check.hpp"
#include "unit/yamux/pair.hpp"

#include <random>

using namespace yamux_test;

// support/check.hpp's REQUIRE_OK/REQUIRE_ERR evaluate their argument several times, so commands with side
// effects go through these, which evaluate once.
#define DO_OK(expr)          \
  do {                       \
    auto r_ = (expr);        \
    REQUIRE_OK(r_);          \
  } while (0)
#define DO_ERR(expr, e)      \
  do {                       \
    auto r_ = (expr);        \
    REQUIRE_ERR(r_, e);      \
  } while (0)

namespace {

Bytes pattern(std::size_t n, std::uint32_t seed) {
  Bytes b(n);
  std::mt19937 rng(seed);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

/// Drains and returns all events of a lone session.
std::vector<Event> events_of(Session& s) {
  std::vector<Event> v;
  while (auto e = s.poll_event()) v.push_back(*e);
  return v;
}

std::optional<error_code> failure_of(const std::vector<Event>& evs) {
  for (const auto& e : evs)
    if (auto* f = std::get_if<Failed>(&e)) return f->ec;
  return std::nullopt;
}

Bytes take_output(Session& s) {
  Bytes out(s.pending_output().begin(), s.pending_output().end());
  s.output_written(out.size());
  return out;
}

/// Parses a byte stream of frames (header + Data bodies) for assertions.
std::vector<Header> headers_of(BytesView out) {
  std::vector<Header> v;
  while (out.size() >= header_size) {
    auto h = decode_header(out.first<header_size>());
    REQUIRE_OK(h);
    v.push_back(*h);
    const std::size_t body = h->type == FrameType::data ? h->length : 0;
    out = out.subspan(header_size + body);
  }
  REQUIRE(out.empty());
  return v;
}

/// Feeds `in` to a fresh quiet server session and expects Failed(e) plus a GoAway(protocol error) as the
/// last frame it sends.
void expect_violation(const Bytes& in, error e, Config cfg = quiet_config()) {
  Session s(Role::server, cfg, t0());
  s.on_bytes(t0(), in);
  auto evs = events_of(s);
  auto f = failure_of(evs);
  REQUIRE(f);
  INFO("got: " << f->message());
  CHECK(*f == e);
  CHECK(*f == condition::protocol_violation);
  CHECK(std::holds_alternative<Failed>(evs.back()));
  CHECK(s.closed());
  auto hs = headers_of(s.pending_output());
  REQUIRE_FALSE(hs.empty());
  CHECK(hs.back() == Header{0, FrameType::go_away, 0, 0, 1});
  // Terminal: further input and commands do nothing.
  s.on_bytes(t0(), frame(FrameType::ping, flags::syn, 0, 1));
  CHECK_FALSE(s.poll_event());
  DO_ERR(s.open_stream(t0()), error::session_closed);
}

}  // namespace

TEST_CASE("yamux open, accept, data both ways, lazy ACK", "[yamux][session]") {
  Pair p;
  auto id = p.client.s.open_stream(p.now);
  REQUIRE_OK(id);
  CHECK(*id == 1);
  // The SYN goes out at once as WindowUpdate(SYN, 0).
  CHECK(headers_of(p.client.s.pending_output()) ==
        std::vector<Header>{{0, FrameType::window_update, flags::syn, 1, 0}});
  CHECK(p.client.s.ack_backlog() == 1);
  p.pump();
  REQUIRE(p.server.count<StreamOpened>() == 1);
  CHECK(p.server.all<StreamOpened>()[0].id == 1);
  // No implicit ACK: the server has not sent anything on the stream yet.
  CHECK(p.client.s.ack_backlog() == 1);
  CHECK_FALSE(p.server.s.stream_info(1)->acknowledged);

  DO_OK(p.client.s.write(1, as_bytes("hello")));
  p.pump();
  CHECK(p.server.received[1] == to_bytes("hello"));

  // The server's first frame carries the ACK.
  DO_OK(p.server.s.write(1, as_bytes("world")));
  auto hs = headers_of(p.server.s.pending_output());
  REQUIRE(hs.size() == 1);
  CHECK(hs[0] == Header{0, FrameType::data, flags::ack, 1, 5});
  p.pump();
  CHECK(p.client.received[1] == to_bytes("world"));
  CHECK(p.client.s.ack_backlog() == 0);
  CHECK(p.client.s.stream_info(1)->acknowledged);
  CHECK(p.server.s.stream_info(1)->acknowledged);

  // The server allocates even ids.
  auto sid = p.server.s.open_stream(p.now);
  REQUIRE_OK(sid);
  CHECK(*sid == 2);
  p.pump();
  CHECK(p.client.all<StreamOpened>().at(0).id == 2);
  CHECK_FALSE(p.client.failure());
  CHECK_FALSE(p.server.failure());
}

TEST_CASE("yamux half-close in both directions frees the stream", "[yamux][session]") {
  Pair p;
  auto id = *p.client.s.open_stream(p.now);
  DO_OK(p.client.s.write(id, as_bytes("request")));
  DO_OK(p.client.s.close_write(id));
  DO_OK(p.client.s.close_write(id));  // idempotent
  DO_ERR(p.client.s.write(id, as_bytes("x")), error::write_closed);
  DO_ERR(p.client.s.write(id, as_bytes("x")), condition::misuse);
  p.pump();
  CHECK(p.server.received[id] == to_bytes("request"));
  CHECK(p.server.count<RemoteFin>() == 1);
  CHECK(p.server.eof[id]);
  // Half-closed: the server can still write, the client can still read.
  DO_OK(p.server.s.write(id, as_bytes("response")));
  p.pump();
  CHECK(p.client.received[id] == to_bytes("response"));
  CHECK(p.client.s.stream_count() == 1);
  CHECK(p.client.count<StreamClosed>() == 0);
  DO_OK(p.server.s.close_write(id));
  CHECK(p.server.count<StreamClosed>() == 0);
  p.pump();
  CHECK(p.server.count<StreamClosed>() == 1);
  CHECK(p.client.count<StreamClosed>() == 1);
  CHECK(p.client.count<RemoteFin>() == 1);
  CHECK(p.client.s.stream_count() == 0);
  CHECK(p.server.s.stream_count() == 0);
  DO_ERR(p.client.s.write(id, as_bytes("x")), error::unknown_stream);
  Bytes buf(4);
  DO_ERR(p.client.s.read(id, buf, p.now), error::unknown_stream);
  DO_ERR(p.client.s.close_write(id), error::unknown_stream);
  DO_ERR(p.client.s.reset(id), error::unknown_stream);
}

TEST_CASE("yamux stream is freed only after buffered data is read", "[yamux][session]") {
  Pair p;
  p.server.auto_read = false;
  auto id = *p.client.s.open_stream(p.now);
  DO_OK(p.client.s.write(id, as_bytes("abc")));
  DO_OK(p.client.s.close_write(id));
  p.pump();
  DO_OK(p.server.s.close_write(id));
  CHECK(p.server.s.stream_count() == 1);  // 3 unread bytes keep it alive
  Bytes buf(2);
  auto r = p.server.s.read(id, buf, p.now);
  REQUIRE_OK(r);
  CHECK(*r == 2);
  r = p.server.s.read(id, buf, p.now);
  REQUIRE_OK(r);
  CHECK(*r == 1);
  CHECK(buf[0] == 'c');
  CHECK(p.server.s.stream_count() == 0);
  p.server.drain(p.now);
  CHECK(p.server.count<StreamClosed>() == 1);
}

TEST_CASE("yamux read reports end_of_stream after the peer's FIN", "[yamux][session]") {
  Pair p;
  p.server.auto_read = false;
  auto id = *p.client.s.open_stream(p.now);
  DO_OK(p.client.s.close_write(id));
  p.pump();
  Bytes buf(8);
  DO_ERR(p.server.s.read(id, buf, p.now), error::end_of_stream);
  DO_ERR(p.server.s.read(id, buf, p.now), condition::closed);
}

TEST_CASE("yamux reset frees both ends and late data is ignored", "[yamux][session]") {
  Pair p;
  auto id = *p.client.s.open_stream(p.now);
  DO_OK(p.client.s.write(id, as_bytes("x")));
  p.pump();
  // The server writes while the client resets: the server's data crosses the RST (rust-yamux #110).
  DO_OK(p.server.s.write(id, as_bytes("late data")));
  DO_OK(p.client.s.reset(id));
  p.client.drain(p.now);
  CHECK(p.client.count<StreamClosed>() == 1);
  CHECK(p.client.s.stream_count() == 0);
  p.pump();
  CHECK_FALSE(p.client.failure());
  CHECK_FALSE(p.client.s.closed());
  CHECK(p.client.received[id].empty());
  CHECK(p.server.count<StreamReset>() == 1);
  CHECK(p.server.count<StreamClosed>() == 1);
  CHECK(p.server.s.stream_count() == 0);
  // The session still works.
  auto id2 = p.client.s.open_stream(p.now);
  REQUIRE_OK(id2);
  DO_OK(p.client.s.write(*id2, as_bytes("ok")));
  p.pump();
  CHECK(p.server.received[*id2] == to_bytes("ok"));
}

TEST_CASE("yamux frames for unknown streams are ignored", "[yamux][session]") {
  Session s(Role::server, quiet_config(), t0());
  Bytes in = frame(FrameType::data, 0, 7, 3, as_bytes("abc"));
  auto more = frame(FrameType::window_update, flags::fin, 9, 100);
  in.insert(in.end(), more.begin(), more.end());
  more = frame(FrameType::data, flags::rst, 11, 0);
  in.insert(in.end(), more.begin(), more.end());
  s.on_bytes(t0(), in);
  CHECK(events_of(s).empty());
  CHECK_FALSE(s.closed());
  CHECK(s.pending_output().empty());
}

TEST_CASE("yamux window exhaustion blocks writes until a WindowUpdate", "[yamux][session]") {
  Pair p;
  p.server.auto_read = false;
  auto id = *p.client.s.open_stream(p.now);
  const Bytes big = pattern(400 * 1024, 1);
  auto w = p.client.s.write(id, big);
  REQUIRE_OK(w);
  CHECK(*w == initial_window);  // exactly the window
  // Frames are split at split_send_size (64 KiB by default).
  const std::size_t split = Config{}.split_send_size;
  REQUIRE(split == 64 * 1024);
  auto hs = headers_of(p.client.s.pending_output());
  REQUIRE(hs.size() == 1 + initial_window / split);
  for (std::size_t i = 1; i < hs.size(); ++i) CHECK(hs[i].length == split);
  w = p.client.s.write(id, BytesView(big).subspan(*w));
  REQUIRE_OK(w);
  CHECK(*w == 0);
  p.pump();
  CHECK(p.server.s.stream_info(id)->buffered == initial_window);
  CHECK(p.server.s.stream_info(id)->receive_window == 0);
  CHECK(p.client.count<Writable>() == 0);

  // Reading less than half the window sends no update.
  Bytes buf(initial_window / 2 - 1);
  DO_OK(p.server.s.read(id, buf, p.now));
  CHECK(p.server.s.pending_output().empty());
  Bytes one(1);
  DO_OK(p.server.s.read(id, one, p.now));
  // Half read: a WindowUpdate(ACK, 128 KiB).
  CHECK(headers_of(p.server.s.pending_output()) ==
        std::vector<Header>{{0, FrameType::window_update, flags::ack, id, initial_window / 2}});
  p.pump();
  REQUIRE(p.client.count<Writable>() == 1);
  CHECK(p.client.all<Writable>()[0].id == id);
  CHECK(p.client.s.stream_info(id)->send_window == initial_window / 2);
}

TEST_CASE("yamux write is bounded by max_pending_output and resumes on output_written", "[yamux][session]") {
  Config c = quiet_config();
  c.max_pending_output = 40 * 1024;
  Session s(Role::client, c, t0());
  auto id = *s.open_stream(t0());
  const Bytes data = pattern(100 * 1024, 2);
  auto w = s.write(id, data);
  REQUIRE_OK(w);
  CHECK(*w > 0);
  CHECK(*w < data.size());
  CHECK(s.pending_output().size() <= c.max_pending_output);
  auto w2 = s.write(id, BytesView(data).subspan(*w));
  REQUIRE_OK(w2);
  CHECK(*w2 == 0);
  CHECK(events_of(s).empty());
  s.output_written(s.pending_output().size());
  auto evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<Writable>(evs[0]).id == id);
}

TEST_CASE("yamux take_output moves the pending output and frees room like output_written", "[yamux][session]") {
  Config c = quiet_config();
  c.max_pending_output = 40 * 1024;
  Session s(Role::client, c, t0());
  auto id = *s.open_stream(t0());
  const Bytes data = pattern(100 * 1024, 4);
  auto w = s.write(id, data);
  REQUIRE_OK(w);
  REQUIRE(*w < data.size());
  const Bytes expected(s.pending_output().begin(), s.pending_output().end());
  Bytes buffer = pattern(7, 5);  // stale contents are dropped
  s.take_output(buffer);
  CHECK(buffer == expected);
  CHECK(s.pending_output().empty());
  auto evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<Writable>(evs[0]).id == id);

  // Alternating two buffers: every byte comes out once, in order, whether or not part of the output was
  // already acknowledged with output_written (then the rest is copied, not swapped).
  Bytes wire = buffer, other;
  BytesView rest = BytesView(data).subspan(*w);
  std::size_t partial = 0;
  while (!rest.empty()) {
    auto n = s.write(id, rest);
    REQUIRE_OK(n);
    rest = rest.subspan(*n);
    if (++partial % 2 == 0 && s.pending_output().size() > 10) {
      wire.insert(wire.end(), s.pending_output().begin(), s.pending_output().begin() + 10);
      s.output_written(10);
    }
    s.take_output(other);
    wire.insert(wire.end(), other.begin(), other.end());
    std::swap(buffer, other);
    (void)events_of(s);
  }
  CHECK(s.pending_output().empty());
  Bytes body;
  BytesView in = wire;
  while (in.size() >= header_size) {
    auto h = decode_header(in.first<header_size>());
    REQUIRE_OK(h);
    const std::size_t n = h->type == FrameType::data ? h->length : 0;
    body.insert(body.end(), in.begin() + header_size, in.begin() + static_cast<std::ptrdiff_t>(header_size + n));
    in = in.subspan(header_size + n);
  }
  CHECK(in.empty());
  CHECK(body == data);
}

TEST_CASE("yamux window auto-tuning grows the receive window on a fast link", "[yamux][session]") {
  Config c;  // keep-alive on: the initial ping measures the RTT
  Pair p(c, c);
  p.latency = 1ms;
  p.pump();
  REQUIRE(p.client.s.rtt());
  REQUIRE(p.server.s.rtt());
  CHECK(*p.client.s.rtt() == 2ms);
  auto id = *p.client.s.open_stream(p.now);
  const Bytes data = pattern(8 * 1024 * 1024, 3);
  p.client.outgoing[id] = {data, 0, true};
  p.pump();
  CHECK(p.server.received[id] == data);
  // While the stream is open its window has grown (the stream is freed only when both ends close).
  auto info = p.server.s.stream_info(id);
  REQUIRE(info);
  CHECK(info->max_receive_window > initial_window);
  CHECK(info->max_receive_window <= c.max_stream_window);
  CHECK_FALSE(p.client.failure());
  CHECK_FALSE(p.server.failure());
}

TEST_CASE("yamux window auto-tuning respects the connection budget", "[yamux][session]") {
  Config c;
  c.connection_window_budget = 3 * initial_window / 2;
  Pair p(c, c);
  p.latency = 1ms;
  p.pump();
  std::vector<StreamId> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(*p.client.s.open_stream(p.now));
    p.client.outgoing[ids.back()] = {pattern(4 * 1024 * 1024, 10 + i), 0, false};
  }
  p.pump();
  std::uint64_t extra = 0;
  for (auto id : ids) {
    auto info = p.server.s.stream_info(id);
    REQUIRE(info);
    CHECK(p.server.received[id].size() == 4 * 1024 * 1024);
    extra += info->max_receive_window - initial_window;
  }
  CHECK(extra > 0);
  CHECK(extra <= c.connection_window_budget);
}

TEST_CASE("yamux ping is echoed exactly and yields the RTT", "[yamux][session]") {
  Pair p;
  p.latency = 5ms;
  CHECK(p.client.s.ping(p.now));
  CHECK_FALSE(p.client.s.ping(p.now));  // one outstanding at a time
  auto hs = headers_of(p.client.s.pending_output());
  REQUIRE(hs.size() == 1);
  CHECK(hs[0].type == FrameType::ping);
  CHECK(hs[0].flags == flags::syn);
  p.pump();
  REQUIRE(p.client.count<PingRtt>() == 1);
  CHECK(p.client.all<PingRtt>()[0].rtt == 10ms);
  CHECK(p.server.count<PingRtt>() == 0);

  // A raw Ping(SYN) as the very first frame, as rust and js send it: answered with the value echoed.
  Session s(Role::server, quiet_config(), t0());
  s.on_bytes(t0(), frame(FrameType::ping, flags::syn, 0, 0xdeadbeef));
  CHECK(events_of(s).empty());
  CHECK(take_output(s) == frame(FrameType::ping, flags::ack, 0, 0xdeadbeef));
}

TEST_CASE("yamux keep-alive pings on schedule and times out on a silent peer", "[yamux][session]") {
  Config c;
  c.keepalive_interval = 30s;
  c.keepalive_timeout = 10s;
  Session s(Role::client, c, t0());
  // The first ping goes out at construction.
  auto hs = headers_of(take_output(s));
  REQUIRE(hs.size() == 1);
  CHECK(hs[0] == Header{0, FrameType::ping, flags::syn, 0, 0});
  REQUIRE(s.next_timeout());
  CHECK(*s.next_timeout() == t0() + 10s);
  // Any bytes from the peer push the deadline out (a busy link's pong may queue behind data).
  s.on_bytes(t0() + 8s, frame(FrameType::window_update, 0, 99, 1));
  CHECK(*s.next_timeout() == t0() + 18s);
  // The pong: RTT measured, next ping scheduled one interval after the previous one was sent.
  s.on_bytes(t0() + 9s, frame(FrameType::ping, flags::ack, 0, 0));
  auto evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<PingRtt>(evs[0]).rtt == 9s);
  CHECK(*s.next_timeout() == t0() + 30s);
  s.on_timeout(t0() + 29s);  // early: nothing
  CHECK(s.pending_output().empty());
  s.on_timeout(t0() + 30s);
  CHECK(take_output(s) == frame(FrameType::ping, flags::syn, 0, 1));
  CHECK(*s.next_timeout() == t0() + 40s);
  s.on_timeout(t0() + 39s);
  CHECK_FALSE(s.closed());
  s.on_timeout(t0() + 40s);
  CHECK(s.closed());
  evs = events_of(s);
  REQUIRE(failure_of(evs));
  CHECK(*failure_of(evs) == error::keepalive_timeout);
  CHECK(*failure_of(evs) == condition::timeout);
  CHECK(take_output(s) == frame(FrameType::go_away, 0, 0, 2));
  CHECK_FALSE(s.next_timeout());
}

TEST_CASE("yamux keep-alive disabled needs no timer", "[yamux][session]") {
  Session s(Role::client, quiet_config(), t0());
  CHECK(s.pending_output().empty());
  CHECK_FALSE(s.next_timeout());
}

TEST_CASE("yamux GoAway normal stops new streams but not existing ones", "[yamux][session]") {
  Pair p;
  auto id = *p.client.s.open_stream(p.now);
  p.pump();
  p.server.s.go_away(GoAwayCode::normal);
  p.server.s.go_away(GoAwayCode::normal);  // sent once
  CHECK(headers_of(p.server.s.pending_output()).size() == 1);
  DO_ERR(p.server.s.open_stream(p.now), error::session_closed);
  p.pump();
  REQUIRE(p.client.count<GoAwayReceived>() == 1);
  CHECK(p.client.all<GoAwayReceived>()[0].code == GoAwayCode::normal);
  CHECK(p.client.s.remote_go_away());
  CHECK_FALSE(p.client.s.closed());
  DO_ERR(p.client.s.open_stream(p.now), error::go_away_received_normal);
  DO_ERR(p.client.s.open_stream(p.now), condition::closed);
  // The existing stream still carries data.
  DO_OK(p.client.s.write(id, as_bytes("still here")));
  p.pump();
  CHECK(p.server.received[id] == to_bytes("still here"));

  // After our GoAway(normal), an inbound SYN is refused with RST.
  Session s(Role::server, quiet_config(), t0());
  s.go_away(GoAwayCode::normal);
  take_output(s);
  s.on_bytes(t0(), frame(FrameType::data, flags::syn, 1, 2, as_bytes("hi")));
  CHECK(events_of(s).empty());
  CHECK(take_output(s) == frame(FrameType::window_update, flags::rst, 1, 0));
}

TEST_CASE("yamux GoAway with an error code is terminal", "[yamux][session]") {
  for (std::uint32_t code : {1u, 2u, 77u}) {
    Session s(Role::client, quiet_config(), t0());
    s.on_bytes(t0(), frame(FrameType::go_away, 0, 0, code));
    auto evs = events_of(s);
    REQUIRE(evs.size() == 2);
    CHECK(static_cast<std::uint32_t>(std::get<GoAwayReceived>(evs[0]).code) == code);
    CHECK(std::get<Failed>(evs[1]).ec ==
          (code == 1 ? error::go_away_received_protocol : error::go_away_received_internal));
    CHECK(s.closed());
    CHECK(s.pending_output().empty());  // no GoAway is sent back
  }
  // Local GoAway with an error code terminates at once.
  Session s(Role::client, quiet_config(), t0());
  auto id = *s.open_stream(t0());
  take_output(s);
  s.go_away(GoAwayCode::internal_error);
  CHECK(s.closed());
  CHECK(take_output(s) == frame(FrameType::go_away, 0, 0, 2));
  auto evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<Failed>(evs[0]).ec == error::session_closed);
  DO_ERR(s.write(id, as_bytes("x")), error::session_closed);
}

TEST_CASE("yamux on_eof fails the session", "[yamux][session]") {
  Session s(Role::client, quiet_config(), t0());
  s.on_eof(t0());
  auto evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<Failed>(evs[0]).ec == error::transport_closed);
  CHECK(s.pending_output().empty());
  s.on_eof(t0());
  CHECK(events_of(s).empty());
}

TEST_CASE("yamux ACK backlog is limited to 256 outbound streams", "[yamux][session]") {
  Config c = quiet_config();
  c.max_connection_receive_window = 512 * std::size_t{initial_window};  // not the binding limit here
  Pair p(c, c);
  std::vector<StreamId> ids;
  for (int i = 0; i < 256; ++i) {
    auto id = p.client.s.open_stream(p.now);
    REQUIRE_OK(id);
    ids.push_back(*id);
  }
  DO_ERR(p.client.s.open_stream(p.now), error::ack_backlog_full);
  DO_ERR(p.client.s.open_stream(p.now), condition::resource_limit);
  p.pump();
  CHECK(p.server.count<StreamOpened>() == 256);
  DO_ERR(p.client.s.open_stream(p.now), error::ack_backlog_full);
  // One ACK (the server's first frame on a stream) makes room for exactly one more.
  DO_OK(p.server.s.write(ids[0], as_bytes("ack")));
  p.pump();
  CHECK(p.client.s.ack_backlog() == 255);
  DO_OK(p.client.s.open_stream(p.now));
  DO_ERR(p.client.s.open_stream(p.now), error::ack_backlog_full);
  // Resetting an unacknowledged stream also leaves the backlog.
  DO_OK(p.client.s.reset(ids[1]));
  DO_OK(p.client.s.open_stream(p.now));
}

TEST_CASE("yamux stream limit refuses inbound SYNs with RST", "[yamux][session]") {
  Config sc = quiet_config();
  sc.max_streams = 4;
  Pair p(quiet_config(), sc);
  for (int i = 0; i < 5; ++i) DO_OK(p.client.s.open_stream(p.now));
  p.pump();
  CHECK(p.server.count<StreamOpened>() == 4);
  CHECK(p.server.s.stream_count() == 4);
  REQUIRE(p.client.count<StreamReset>() == 1);
  CHECK(p.client.all<StreamReset>()[0].id == 9);
  CHECK(p.client.s.stream_count() == 4);
  CHECK_FALSE(p.server.failure());
  // Locally: open_stream at the limit fails.
  DO_ERR(p.server.s.open_stream(p.now), error::too_many_streams);
  // A freed slot can be used again.
  DO_OK(p.client.s.reset(1));
  p.pump();
  DO_OK(p.server.s.open_stream(p.now));
}

TEST_CASE("yamux connection receive window: at the cap, one SYN more is refused with RST", "[yamux][session][limits]") {
  // Three streams' worth of initial window: the 3rd stream fits exactly, the 4th does not.
  Config sc = quiet_config();
  sc.max_connection_receive_window = 3 * std::size_t{initial_window};
  Pair p(quiet_config(), sc);
  for (int i = 0; i < 4; ++i) DO_OK(p.client.s.open_stream(p.now));
  p.pump();
  CHECK(p.server.count<StreamOpened>() == 3);
  CHECK(p.server.s.stream_count() == 3);
  REQUIRE(p.client.count<StreamReset>() == 1);
  CHECK(p.client.all<StreamReset>()[0].id == 7);
  CHECK_FALSE(p.server.failure());
  // Locally: open_stream at the cap fails with its own error (a resource limit).
  DO_ERR(p.server.s.open_stream(p.now), error::connection_window_full);
  DO_ERR(p.server.s.open_stream(p.now), condition::resource_limit);
  // A freed stream gives its window back.
  DO_OK(p.client.s.reset(1));
  p.pump();
  DO_OK(p.server.s.open_stream(p.now));
  CHECK(p.server.s.stream_count() == 3);
}

TEST_CASE("yamux window auto-tuning stops at the connection receive window", "[yamux][session][limits]") {
  Config sc = quiet_config();
  sc.max_connection_receive_window = std::size_t{initial_window} + initial_window / 2;
  Session s(Role::server, sc, t0());
  // Open stream 1 and measure an RTT so that auto-tuning is active.
  s.on_bytes(t0(), frame(FrameType::window_update, flags::syn, 1, 0));
  REQUIRE(s.ping(t0()));
  auto out = take_output(s);
  auto hs = headers_of(out);
  std::uint32_t ping_value = 0;
  for (const auto& h : hs)
    if (h.type == FrameType::ping) ping_value = h.length;
  const auto t1 = t0() + std::chrono::milliseconds(10);
  s.on_bytes(t1, frame(FrameType::ping, flags::ack, 0, ping_value));
  (void)events_of(s);
  // The peer sends a whole window at once and we read it all: the window would double (512 KiB) but the
  // cap leaves room for 128 KiB of growth only.
  Bytes d = frame(FrameType::data, 0, 1, initial_window);
  const Bytes body = pattern(initial_window, 9);
  d.insert(d.end(), body.begin(), body.end());
  s.on_bytes(t1, d);
  std::vector<std::uint8_t> buf(initial_window);
  auto n = s.read(1, buf, t1);
  REQUIRE_OK(n);
  CHECK(*n == initial_window);
  auto info = s.stream_info(1);
  REQUIRE(info);
  CHECK(info->max_receive_window == initial_window + initial_window / 2);
  CHECK(info->receive_window == info->max_receive_window);
  CHECK_FALSE(s.closed());
}

TEST_CASE("yamux rejects each peer violation with GoAway(protocol error)", "[yamux][session]") {
  SECTION("wrong parity") {
    // The server's own parity is even: a client must not open stream 2.
    expect_violation(frame(FrameType::window_update, flags::syn, 2, 0), error::stream_id_parity);
    expect_violation(frame(FrameType::data, flags::syn, 4, 0), error::stream_id_parity);
  }
  SECTION("duplicate SYN") {
    Bytes in = frame(FrameType::window_update, flags::syn, 1, 0);
    auto again = frame(FrameType::data, flags::syn, 1, 0);
    in.insert(in.end(), again.begin(), again.end());
    expect_violation(in, error::duplicate_stream_id);
  }
  SECTION("oversized frame: exactly at the limit is fine, one past is not") {
    Config c = quiet_config();
    c.max_frame_body = 1000;
    Session ok(Role::server, c, t0());
    Bytes body(1000, 0x5a);
    ok.on_bytes(t0(), frame(FrameType::data, flags::syn, 1, 1000, body));
    CHECK_FALSE(ok.closed());
    CHECK(ok.stream_info(1)->buffered == 1000);
    Bytes body2(1001, 0x5a);
    expect_violation(frame(FrameType::data, flags::syn, 1, 1001, body2), error::frame_too_large, c);
    // The default limit is 16 MiB (= max_stream_window: js sends a whole window in one frame); the header
    // alone is enough to reject.
    expect_violation(frame(FrameType::data, 0, 1, 16 * 1024 * 1024 + 1), error::frame_too_large);
  }
  SECTION("data beyond the receive window") {
    // A first frame of exactly 256 KiB fits; one more byte does not.
    Session ok(Role::server, quiet_config(), t0());
    Bytes body(initial_window, 1);
    ok.on_bytes(t0(), frame(FrameType::data, flags::syn, 1, initial_window, body));
    CHECK_FALSE(ok.closed());
    CHECK(ok.stream_info(1)->receive_window == 0);
    ok.on_bytes(t0(), frame(FrameType::data, 0, 1, 1, Bytes{1}));
    auto f = failure_of(events_of(ok));
    REQUIRE(f);
    CHECK(*f == error::window_exceeded);
    Bytes body2(initial_window + 1, 1);
    expect_violation(frame(FrameType::data, flags::syn, 1, initial_window + 1, body2), error::window_exceeded);
  }
  SECTION("window overflow") {
    Bytes in = frame(FrameType::window_update, flags::syn, 1, 0xffffffffu - initial_window);
    Session ok(Role::server, quiet_config(), t0());
    ok.on_bytes(t0(), in);  // exactly 2^32-1: accepted
    CHECK(ok.stream_info(1)->send_window == 0xffffffffu);
    auto more = frame(FrameType::window_update, 0, 1, 1);
    in.insert(in.end(), more.begin(), more.end());
    expect_violation(in, error::window_overflow);
    expect_violation(frame(FrameType::window_update, flags::syn, 1, 0xffffffffu - initial_window + 1),
                     error::window_overflow);
  }
  SECTION("unknown frame type") {
    Bytes in = frame(FrameType::ping, flags::syn, 0, 1);
    in[1] = 4;
    expect_violation(in, error::unknown_frame_type);
  }
  SECTION("bad version") {
    Bytes in = frame(FrameType::ping, flags::syn, 0, 1);
    in[0] = 1;
    expect_violation(in, error::bad_version);
  }
  SECTION("ping flags must be exactly SYN or exactly ACK") {
    expect_violation(frame(FrameType::ping, 0, 0, 1), error::invalid_flags);
    expect_violation(frame(FrameType::ping, flags::syn | flags::ack, 0, 1), error::invalid_flags);
    expect_violation(frame(FrameType::ping, flags::syn | flags::fin, 0, 1), error::invalid_flags);
    expect_violation(frame(FrameType::ping, flags::rst, 0, 1), error::invalid_flags);
  }
  SECTION("unsolicited or mismatched pong") {
    expect_violation(frame(FrameType::ping, flags::ack, 0, 0), error::unsolicited_pong);
    // keep-alive on: ping 0 is outstanding, pong 1 is wrong.
    Config c;
    expect_violation(frame(FrameType::ping, flags::ack, 0, 1), error::unsolicited_pong, c);
    // The right pong twice: the second one is unsolicited.
    Bytes in = frame(FrameType::ping, flags::ack, 0, 0);
    auto again = frame(FrameType::ping, flags::ack, 0, 0);
    in.insert(in.end(), again.begin(), again.end());
    expect_violation(in, error::unsolicited_pong, c);
  }
  SECTION("data or window update on stream 0") {
    expect_violation(frame(FrameType::data, 0, 0, 0), error::unexpected_frame_on_stream0);
    expect_violation(frame(FrameType::window_update, flags::syn, 0, 0), error::unexpected_frame_on_stream0);
  }
  SECTION("ping or go-away on a stream") {
    expect_violation(frame(FrameType::ping, flags::syn, 1, 0), error::session_frame_on_stream);
    expect_violation(frame(FrameType::go_away, 0, 3, 0), error::session_frame_on_stream);
  }
}

TEST_CASE("yamux ping flood without draining output hits send_queue_full", "[yamux][session]") {
  Config c = quiet_config();
  c.max_pending_output = 1200;
  c.max_control_backlog = 1200;
  Session s(Role::server, c, t0());
  Bytes in;
  for (int i = 0; i < 199; ++i) {
    auto f = frame(FrameType::ping, flags::syn, 0, static_cast<std::uint32_t>(i));
    in.insert(in.end(), f.begin(), f.end());
  }
  s.on_bytes(t0(), in);
  CHECK_FALSE(s.closed());  // 199 × 12 = 2388 <= 2400
  s.on_bytes(t0(), frame(FrameType::ping, flags::syn, 0, 1000));
  CHECK_FALSE(s.closed());  // 2400: exactly at the cap
  s.on_bytes(t0(), frame(FrameType::ping, flags::syn, 0, 1001));
  CHECK(s.closed());
  auto f = failure_of(events_of(s));
  REQUIRE(f);
  CHECK(*f == error::send_queue_full);
  CHECK(*f == condition::resource_limit);
  CHECK(s.pending_output().size() <= 2400 + header_size);
}

TEST_CASE("yamux captured byte stream decodes identically at every split point", "[yamux][session]") {
  // Capture what a client sends in a busy scenario.
  Session c(Role::client, Config{}, t0());
  auto a = *c.open_stream(t0());
  auto b = *c.open_stream(t0());
  Bytes a_data = pattern(40000, 5);
  DO_OK(c.write(a, a_data));
  DO_OK(c.write(b, as_bytes("short")));
  DO_OK(c.close_write(b));
  const Bytes a_more = pattern(100, 6);
  a_data.insert(a_data.end(), a_more.begin(), a_more.end());
  DO_OK(c.write(a, a_more));
  DO_OK(c.reset(a));
  auto d = *c.open_stream(t0());
  DO_OK(c.write(d, as_bytes("last")));
  c.go_away(GoAwayCode::normal);
  const Bytes captured = take_output(c);

  struct Outcome {
    std::vector<std::string> events;  // non-Readable events, in order
    std::map<StreamId, Bytes> data;
    Bytes output;
  };
  auto run = [&](const std::vector<std::size_t>& cuts) {
    Session s(Role::server, quiet_config(), t0());
    Outcome o;
    std::size_t pos = 0;
    auto feed = [&](std::size_t end) {
      s.on_bytes(t0(), BytesView(captured).subspan(pos, end - pos));
      pos = end;
      while (auto e = s.poll_event()) {
        if (auto* r = std::get_if<Readable>(&*e)) {
          Bytes buf(100000);
          auto n = s.read(r->id, buf, t0());
          // Stream `a` is reset later in the capture; when the RST arrives in the same chunk as the data,
          // the data is gone before we read it, so `a` is checked for its prefix only.
          if (!n && n.error() == error::unknown_stream) continue;
          REQUIRE_OK(n);
          o.data[r->id].insert(o.data[r->id].end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
          continue;
        }
        o.events.push_back(std::to_string(e->index()) + ":" +
                           std::visit([](const auto& v) -> std::string {
                             if constexpr (requires { v.id; }) return std::to_string(v.id);
                             else return "";
                           }, *e));
      }
    };
    for (auto cut : cuts) feed(cut);
    feed(captured.size());
    o.output = take_output(s);
    const Bytes& got = o.data[a];
    REQUIRE(got.size() <= a_data.size());
    REQUIRE(std::equal(got.begin(), got.end(), a_data.begin()));
    o.data.erase(a);
    return o;
  };
  const Outcome whole = run({});
  REQUIRE(whole.data.at(b) == to_bytes("short"));
  REQUIRE(whole.data.at(d) == to_bytes("last"));
  REQUIRE_FALSE(whole.events.empty());
  for (std::size_t k = 0; k <= captured.size(); ++k) {
    INFO("split at " << k);
    const Outcome o = run({k});
    REQUIRE(o.events == whole.events);
    REQUIRE(o.data == whole.data);
    REQUIRE(o.output == whole.output);
  }
  // Byte at a time.
  std::vector<std::size_t> every;
  for (std::size_t k = 1; k < captured.size(); ++k) every.push_back(k);
  const Outcome o = run(every);
  CHECK(o.events == whole.events);
  CHECK(o.data == whole.data);
  CHECK(o.output == whole.output);
}

TEST_CASE("yamux moves 1 MiB over 8 streams both ways with contents intact", "[yamux][session]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  Config c;  // defaults, keep-alive on
  Pair p(c, c);
  p.latency = 1ms;
  std::map<StreamId, Bytes> up, down;
  for (int i = 0; i < 8; ++i) {
    auto id = *p.client.s.open_stream(p.now);
    up[id] = pattern(128 * 1024 + rng() % 1000, static_cast<std::uint32_t>(rng()));
    p.client.outgoing[id] = {up[id], 0, true};
  }
  p.pump();
  for (auto& [id, bytes] : up) {
    down[id] = pattern(128 * 1024 + rng() % 1000, static_cast<std::uint32_t>(rng()));
    p.server.outgoing[id] = {down[id], 0, true};
  }
  p.pump();
  for (auto& [id, bytes] : up) {
    CHECK(p.server.received[id] == bytes);
    CHECK(p.client.received[id] == down[id]);
    CHECK(p.client.eof[id]);
    CHECK(p.server.eof[id]);
  }
  CHECK(p.client.count<StreamClosed>() == 8);
  CHECK(p.server.count<StreamClosed>() == 8);
  CHECK(p.client.s.stream_count() == 0);
  CHECK(p.server.s.stream_count() == 0);
  CHECK_FALSE(p.client.failure());
  CHECK_FALSE(p.server.failure());
}

TEST_CASE("yamux error enum maps to conditions and messages", "[yamux][error]") {
  CHECK(make_error_code(error::bad_version) == condition::protocol_violation);
  CHECK(make_error_code(error::ack_backlog_full) == condition::resource_limit);
  CHECK(make_error_code(error::unknown_stream) == condition::misuse);
  CHECK(make_error_code(error::go_away_received_normal) == condition::closed);
  CHECK(make_error_code(error::go_away_received_protocol) == condition::protocol_violation);
  CHECK(make_error_code(error::keepalive_timeout) == condition::timeout);
  CHECK(make_error_code(error::transport_closed) == condition::closed);
  CHECK(std::string(make_error_code(error::stream_id_parity).category().name()) == "lp2p.yamux");
  for (int e = 1; e <= static_cast<int>(error::keepalive_timeout); ++e)
    CHECK(make_error_code(static_cast<error>(e)).message() != "unknown yamux error");
}

TEST_CASE("yamux accepts window deltas far above 256 KiB and FIN on a WindowUpdate", "[yamux][session]") {
  Config c = quiet_config();
  c.max_pending_output = 4 * 1024 * 1024;
  Session s(Role::server, c, t0());
  // js/go may open with WindowUpdate(SYN, delta): the send window is 256 KiB + delta.
  s.on_bytes(t0(), frame(FrameType::window_update, flags::syn, 1, 16 * 1024 * 1024 - initial_window));
  auto evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<StreamOpened>(evs[0]).id == 1);
  CHECK(s.stream_info(1)->send_window == 16 * 1024 * 1024);
  const Bytes data = pattern(3 * 1024 * 1024, 9);
  auto w = s.write(1, data);
  REQUIRE_OK(w);
  CHECK(*w == data.size());
  // The first Data frame carries our lazy ACK; frames are at most split_send_size.
  auto hs = headers_of(take_output(s));
  REQUIRE(hs.size() == data.size() / c.split_send_size);
  CHECK(hs[0].flags == flags::ack);
  CHECK(hs[1].flags == 0);
  // A FIN riding on a WindowUpdate half-closes the peer side.
  s.on_bytes(t0(), frame(FrameType::window_update, flags::fin, 1, 5));
  evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<RemoteFin>(evs[0]).id == 1);
  CHECK(s.stream_info(1)->send_window == 16 * 1024 * 1024 - data.size() + 5);
  // Closing our side now frees the stream.
  DO_OK(s.close_write(1));
  evs = events_of(s);
  REQUIRE(evs.size() == 1);
  CHECK(std::get<StreamClosed>(evs[0]).id == 1);
  CHECK(take_output(s) == frame(FrameType::data, flags::fin, 1, 0));
}
