// Session::arm_read (zero-copy receive into a waiting reader's span): the bytes a reader gets, what stays
// buffered, and every WindowUpdate must be exactly those of the buffered path (read() after Readable).
#include "pair.hpp"
#include "support/check.hpp"

#include <random>

using namespace yamux_test;

namespace {
Bytes bv(BytesView v) { return Bytes(v.begin(), v.end()); }

Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

/// The client's frames for one stream carrying `data` (SYN first), as one byte string.
Bytes client_wire(StreamId& id, BytesView data, bool fin, Config cfg = quiet_config()) {
  Session c(Role::client, cfg, t0());
  id = *c.open_stream(t0());
  std::size_t off = 0;
  Bytes wire;
  while (off < data.size()) {
    auto w = c.write(id, data.subspan(off));
    REQUIRE(w);
    off += *w;
    auto out = c.pending_output();
    wire.insert(wire.end(), out.begin(), out.end());
    c.output_written(out.size());
    REQUIRE(off <= data.size());
    if (*w == 0) break;  // send window used up
  }
  if (fin) (void)c.close_write(id);
  auto out = c.pending_output();
  wire.insert(wire.end(), out.begin(), out.end());
  return wire;
}

Bytes take_output(Session& s) {
  Bytes b(s.pending_output().begin(), s.pending_output().end());
  s.output_written(b.size());
  return b;
}

std::vector<Event> events(Session& s) {
  std::vector<Event> v;
  while (auto e = s.poll_event()) v.push_back(*e);
  return v;
}
}  // namespace

TEST_CASE("yamux arm_read: a small waiting buffer gets a large frame, the rest is buffered, windows as buffered",
          "[yamux][session][arm_read]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const Bytes data = random_bytes(rng, initial_window);  // the whole initial window: WindowUpdates must follow
  StreamId id = 0;
  const Bytes wire = client_wire(id, data, false);

  // armed: the reader arms before every wait; plain: the reader only reads after Readable.
  Session armed(Role::server, quiet_config(), t0());
  Session plain(Role::server, quiet_config(), t0());
  Bytes got_armed, got_plain;
  std::size_t pos = 0;
  Bytes abuf, pbuf;
  bool is_armed = false;
  std::size_t direct_reads = 0;
  while (pos < wire.size()) {
    const std::size_t n = std::min<std::size_t>(wire.size() - pos, 1 + rng() % 40000);
    const BytesView chunk = BytesView(wire).subspan(pos, n);
    pos += n;
    armed.on_bytes(t0(), chunk);
    plain.on_bytes(t0(), chunk);
    (void)events(armed);
    (void)events(plain);
    if (!armed.stream_info(id)) continue;  // the SYN has not arrived whole yet
    // Both readers read with the same (small, random) buffer size: the same bytes must come out.
    const std::size_t want = 1 + rng() % 3000;
    if (is_armed) {
      auto r = armed.read(id, abuf, t0());
      REQUIRE_OK(r);
      is_armed = false;
      direct_reads += *r > 0;
      got_armed.insert(got_armed.end(), abuf.begin(), abuf.begin() + static_cast<std::ptrdiff_t>(*r));
      auto q = plain.read(id, pbuf, t0());
      REQUIRE_OK(q);
      REQUIRE(*q == *r);
      got_plain.insert(got_plain.end(), pbuf.begin(), pbuf.begin() + static_cast<std::ptrdiff_t>(*q));
    }
    // Drain a random number of reads, then arm (when nothing is left) for the next chunk.
    const int reads = rng() % 2 ? static_cast<int>(rng() % 4) : 1000000;  // a few, or until empty
    for (int k = 0; k < reads && armed.stream_info(id)->buffered > 0; ++k) {
      abuf.assign(want, 0);
      pbuf.assign(want, 0);
      auto r = armed.read(id, abuf, t0());
      auto q = plain.read(id, pbuf, t0());
      REQUIRE_OK(r);
      REQUIRE_OK(q);
      REQUIRE(*r == *q);
      got_armed.insert(got_armed.end(), abuf.begin(), abuf.begin() + static_cast<std::ptrdiff_t>(*r));
      got_plain.insert(got_plain.end(), pbuf.begin(), pbuf.begin() + static_cast<std::ptrdiff_t>(*q));
    }
    abuf.assign(want, 0);
    pbuf.assign(want, 0);
    is_armed = armed.arm_read(id, abuf);
    CHECK(is_armed == (armed.stream_info(id)->buffered == 0));
    // Windows and WindowUpdates identical at every step.
    CHECK(armed.stream_info(id)->receive_window == plain.stream_info(id)->receive_window);
    CHECK(armed.stream_info(id)->buffered == plain.stream_info(id)->buffered);
    CHECK(take_output(armed) == take_output(plain));
  }
  // Read out the rest.
  for (;;) {
    Bytes a(5000), b(5000);
    auto r = armed.read(id, a, t0());
    auto q = plain.read(id, b, t0());
    REQUIRE_OK(r);
    REQUIRE_OK(q);
    REQUIRE(*r == *q);
    if (*r == 0) break;
    got_armed.insert(got_armed.end(), a.begin(), a.begin() + static_cast<std::ptrdiff_t>(*r));
    got_plain.insert(got_plain.end(), b.begin(), b.begin() + static_cast<std::ptrdiff_t>(*q));
  }
  CHECK(take_output(armed) == take_output(plain));
  CHECK(got_armed == data);
  CHECK(got_plain == data);
  CHECK(direct_reads > 0);
}

TEST_CASE("yamux arm_read: exact bytes in the span, remainder buffered, credit only once read",
          "[yamux][session][arm_read]") {
  Bytes data(40000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 31 + 7);
  Config cfg = quiet_config();
  cfg.split_send_size = 64 * 1024;  // one 40000-byte frame
  StreamId id = 0;
  const Bytes wire = client_wire(id, data, false, cfg);
  Session s(Role::server, quiet_config(), t0());
  s.on_bytes(t0(), BytesView(wire).first(12));  // the SYN (WindowUpdate, no body)
  REQUIRE(s.stream_info(id));
  (void)events(s);
  Bytes buf(1000);
  REQUIRE(s.arm_read(id, buf));
  s.on_bytes(t0(), BytesView(wire).subspan(12));
  auto ev = events(s);
  REQUIRE(ev.size() == 1);
  CHECK(std::get<Readable>(ev[0]).id == id);
  CHECK(s.stream_info(id)->buffered == data.size());  // 1000 in the span + 39000 buffered, none read
  CHECK(s.stream_info(id)->receive_window == initial_window - data.size());
  CHECK(s.pending_output().empty());
  CHECK(bv(buf) == bv(BytesView(data).first(1000)));
  // Arming again while bytes are unread is refused.
  Bytes other(10);
  CHECK_FALSE(s.arm_read(id, other));
  auto r = s.read(id, buf, t0());
  REQUIRE_OK(r);
  CHECK(*r == 1000);
  CHECK(bv(buf) == bv(BytesView(data).first(1000)));
  CHECK(s.stream_info(id)->buffered == 39000);
  CHECK(s.pending_output().empty());  // 1000 of 256 KiB read: no WindowUpdate yet
  Bytes rest(64 * 1024);
  r = s.read(id, rest, t0());
  REQUIRE_OK(r);
  REQUIRE(*r == 39000);
  CHECK(bv(BytesView(rest).first(39000)) == bv(BytesView(data).subspan(1000)));
}

TEST_CASE("yamux disarm_read puts the received bytes back in order", "[yamux][session][arm_read]") {
  Bytes data(5000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 13 + 1);
  StreamId id = 0;
  const Bytes wire = client_wire(id, data, false);
  Session s(Role::server, quiet_config(), t0());
  s.on_bytes(t0(), BytesView(wire).first(12));
  (void)events(s);
  Bytes buf(3000);
  REQUIRE(s.arm_read(id, buf));
  s.on_bytes(t0(), BytesView(wire).subspan(12));
  CHECK(s.stream_info(id)->buffered == 5000);
  s.disarm_read(id);
  s.disarm_read(id);  // idempotent
  CHECK(s.stream_info(id)->buffered == 5000);
  Bytes all(8000);
  auto r = s.read(id, all, t0());
  REQUIRE_OK(r);
  REQUIRE(*r == 5000);
  CHECK(bv(BytesView(all).first(5000)) == data);
  // Disarm with nothing received, and on an unknown stream: no-ops.
  REQUIRE(s.arm_read(id, buf));
  s.disarm_read(id);
  s.disarm_read(999);
  CHECK(s.stream_info(id)->buffered == 0);
}

TEST_CASE("yamux arm_read: data with FIN into the span keeps a half-closed stream until read",
          "[yamux][session][arm_read]") {
  StreamId id = 0;
  const Bytes wire = client_wire(id, as_bytes("hello"), true);
  Session s(Role::server, quiet_config(), t0());
  s.on_bytes(t0(), BytesView(wire).first(12));
  (void)events(s);
  REQUIRE_OK(s.close_write(id));
  Bytes buf(64);
  REQUIRE(s.arm_read(id, buf));
  s.on_bytes(t0(), BytesView(wire).subspan(12));
  auto ev = events(s);
  CHECK(s.stream_count() == 1);  // 5 unread bytes in the span keep it alive
  for (const auto& e : ev) CHECK_FALSE(std::holds_alternative<StreamClosed>(e));
  CHECK_FALSE(s.arm_read(id, buf));  // the peer finished (and bytes are unread)
  auto r = s.read(id, buf, t0());
  REQUIRE_OK(r);
  CHECK(*r == 5);
  CHECK(as_string_view(BytesView(buf).first(5)) == "hello");
  CHECK(s.stream_count() == 0);
  ev = events(s);
  REQUIRE(ev.size() == 1);
  CHECK(std::holds_alternative<StreamClosed>(ev[0]));
}

TEST_CASE("yamux arm_read refuses empty spans, unknown streams, buffered data and closed sessions",
          "[yamux][session][arm_read]") {
  StreamId id = 0;
  const Bytes wire = client_wire(id, as_bytes("abc"), false);
  Session s(Role::server, quiet_config(), t0());
  Bytes buf(8);
  CHECK_FALSE(s.arm_read(id, buf));  // not opened yet
  s.on_bytes(t0(), wire);
  (void)events(s);
  CHECK_FALSE(s.arm_read(id, std::span<std::uint8_t>{}));
  CHECK_FALSE(s.arm_read(id, buf));  // "abc" is buffered
  auto r = s.read(id, buf, t0());
  REQUIRE_OK(r);
  CHECK(*r == 3);
  CHECK(s.arm_read(id, buf));
  s.on_eof(t0());
  CHECK_FALSE(s.arm_read(id, buf));
  auto q = s.read(id, buf, t0());
  CHECK_FALSE(q);
}
