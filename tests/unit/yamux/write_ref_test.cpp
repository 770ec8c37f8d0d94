// Session::write_ref + flush_output (zero-copy send: large payloads are referenced in the writer's buffer
// and handed to the transport as pieces): the output must be byte-identical to write() + take_output(),
// with the same return values and window accounting, and no reference may outlive a reset, a failure,
// unref() or the copying output calls.
#include "pair.hpp"
#include "support/check.hpp"

#include <deque>
#include <random>

using namespace yamux_test;

namespace {
Bytes random_bytes(std::mt19937& rng, std::size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

/// The whole output through the zero-copy contract, concatenated; also counts the calls and pieces.
struct Flushed {
  Bytes bytes;
  std::size_t calls = 0;
  std::size_t pieces = 0;
};
Flushed flush(Session& s) {
  Flushed f;
  auto sink = [&](std::span<const BytesView> pieces) {
    ++f.calls;
    for (BytesView p : pieces) {
      ++f.pieces;
      f.bytes.insert(f.bytes.end(), p.begin(), p.end());
    }
  };
  s.flush_output(sink);
  return f;
}

Bytes take(Session& s) {
  Bytes b;
  s.take_output(b);
  return b;
}

std::vector<Event> events(Session& s) {
  std::vector<Event> v;
  while (auto e = s.poll_event()) v.push_back(*e);
  return v;
}
std::size_t writables(const std::vector<Event>& ev, StreamId id) {
  std::size_t n = 0;
  for (const auto& e : ev)
    if (auto* w = std::get_if<Writable>(&e); w && w->id == id) ++n;
  return n;
}

/// A copying session and a referencing one, driven alike.
struct Twins {
  Session copy;
  Session ref;
  explicit Twins(Config c) : copy(Role::client, c, t0()), ref(Role::client, c, t0()) {}
  StreamId open() {
    auto a = copy.open_stream(t0());
    auto b = ref.open_stream(t0());
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(*a == *b);
    return *a;
  }
};
}  // namespace

TEST_CASE("yamux write_ref references large payloads and flushes the same bytes as write", "[yamux][session][write_ref]") {
  std::mt19937 rng(11);
  Twins t(quiet_config());
  const StreamId id = t.open();
  const Bytes data = random_bytes(rng, 2 * 16384 + 1000);  // two referenced frames, one copied (< 4096)
  auto a = t.copy.write(id, data);
  auto b = t.ref.write_ref(id, data);
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(*a == data.size());
  CHECK(*b == data.size());
  CHECK(t.ref.referenced(id) == 2 * 16384);
  CHECK(t.ref.output_size() == t.copy.output_size());
  CHECK(t.ref.output_size() == 4 * header_size + data.size());  // SYN + three Data frames
  CHECK(t.ref.stream_info(id)->send_window == t.copy.stream_info(id)->send_window);
  (void)events(t.ref);

  const Flushed f = flush(t.ref);
  CHECK(f.calls == 1);
  CHECK(f.pieces == 5);  // SYN+header, payload, header, payload, header+small payload
  CHECK(f.bytes == take(t.copy));
  CHECK(t.ref.referenced(id) == 0);
  CHECK(t.ref.output_size() == 0);
  CHECK(writables(events(t.ref), id) == 1);  // the writer's bytes are consumed
  CHECK(flush(t.ref).calls == 0);            // nothing left: the sink is not called
}

TEST_CASE("yamux write_ref copies payloads under min_referenced_write", "[yamux][session][write_ref]") {
  Config c = quiet_config();
  c.min_referenced_write = 1000;
  Session s(Role::client, c, t0());
  const StreamId id = *s.open_stream(t0());
  const Bytes small(999, 7);
  REQUIRE_OK(s.write_ref(id, small));
  CHECK(s.referenced(id) == 0);
  const Bytes exact(1000, 8);
  REQUIRE_OK(s.write_ref(id, exact));
  CHECK(s.referenced(id) == 1000);
  CHECK(s.referenced(id + 2) == 0);  // unknown stream
}

TEST_CASE("yamux write_ref with a partial window and a full output queue", "[yamux][session][write_ref]") {
  std::mt19937 rng(12);
  Config c = quiet_config();
  c.max_pending_output = 100 * 1024;
  Twins t(c);
  const StreamId id = t.open();
  const Bytes data = random_bytes(rng, 300 * 1024);
  std::size_t off_a = 0, off_b = 0;
  Bytes wire_a, wire_b;
  std::size_t rounds = 0;
  while (off_a < data.size() && rounds++ < 100) {
    auto a = t.copy.write(id, BytesView(data).subspan(off_a));
    auto b = t.ref.write_ref(id, BytesView(data).subspan(off_b));
    REQUIRE_OK(a);
    REQUIRE_OK(b);
    REQUIRE(*a == *b);  // same room: referenced bytes count against max_pending_output
    off_a += *a;
    off_b += *b;
    CHECK(t.ref.output_size() == t.copy.output_size());
    CHECK(t.ref.output_size() <= c.max_pending_output);
    const auto info = t.ref.stream_info(id);
    CHECK(info->send_window == t.copy.stream_info(id)->send_window);
    (void)events(t.copy);
    (void)events(t.ref);
    Bytes out = take(t.copy);
    wire_a.insert(wire_a.end(), out.begin(), out.end());
    const Flushed f = flush(t.ref);
    wire_b.insert(wire_b.end(), f.bytes.begin(), f.bytes.end());
    if (*b >= c.min_referenced_write) CHECK(writables(events(t.ref), id) >= 1);  // referenced bytes released
    (void)events(t.ref);
    if (info->send_window == 0) {
      // The window is used up (256 KiB): the peer grants more; both get the same Writable.
      const Bytes grant = frame(FrameType::window_update, 0, id, 64 * 1024);
      t.copy.on_bytes(t0(), grant);
      t.ref.on_bytes(t0(), grant);
      CHECK(writables(events(t.ref), id) == 1);
    }
  }
  CHECK(off_a == data.size());
  CHECK(off_b == data.size());
  CHECK(wire_a == wire_b);
}

TEST_CASE("yamux write_ref: reset while referenced copies the bytes in and drops the reference",
          "[yamux][session][write_ref]") {
  std::mt19937 rng(13);
  Twins t(quiet_config());
  const StreamId id = t.open();
  const StreamId other = t.open();
  Bytes data = random_bytes(rng, 40000);
  Bytes data2 = random_bytes(rng, 20000);
  REQUIRE_OK(t.copy.write(id, data));
  REQUIRE_OK(t.copy.write(other, data2));
  REQUIRE_OK(t.ref.write_ref(id, data));
  REQUIRE_OK(t.ref.write_ref(other, data2));
  CHECK(t.ref.referenced(id) > 0);

  SECTION("by us") {
    REQUIRE_OK(t.copy.reset(id));
    REQUIRE_OK(t.ref.reset(id));
  }
  SECTION("by the peer") {
    const Bytes rst = frame(FrameType::window_update, flags::rst, id, 0);
    t.copy.on_bytes(t0(), rst);
    t.ref.on_bytes(t0(), rst);
  }
  CHECK(t.ref.referenced(id) == 0);
  CHECK_FALSE(t.ref.stream_info(id));
  CHECK(t.ref.referenced(other) == 20000 - 20000 % 16384);  // the other stream is still referenced
  const auto ev = events(t.ref);
  CHECK(writables(ev, id) == 0);  // a freed stream gets StreamClosed, not Writable
  std::fill(data.begin(), data.end(), 0xee);  // the writer returned: its buffer may change or go
  const Flushed f = flush(t.ref);
  const Bytes want = take(t.copy);
  CHECK(f.bytes.size() == want.size());
  // data was scribbled: the copy made at the reset must be what went out, not the buffer's new contents
  CHECK(f.bytes == want);
}

TEST_CASE("yamux write_ref: a session failure while referenced copies the bytes in", "[yamux][session][write_ref]") {
  std::mt19937 rng(14);
  Twins t(quiet_config());
  const StreamId id = t.open();
  Bytes data = random_bytes(rng, 50000);
  REQUIRE_OK(t.copy.write(id, data));
  REQUIRE_OK(t.ref.write_ref(id, data));
  SECTION("protocol violation: the final GoAway follows the data frames") {
    const Bytes bad = frame(FrameType::data, 0, 0, 0);  // data on stream 0
    t.copy.on_bytes(t0(), bad);
    t.ref.on_bytes(t0(), bad);
  }
  SECTION("transport EOF") {
    t.copy.on_eof(t0());
    t.ref.on_eof(t0());
  }
  SECTION("local GoAway with an error code") {
    t.copy.go_away(GoAwayCode::internal_error);
    t.ref.go_away(GoAwayCode::internal_error);
  }
  REQUIRE(t.ref.closed());
  CHECK(t.ref.referenced(id) == 0);
  const auto ev = events(t.ref);
  REQUIRE_FALSE(ev.empty());
  CHECK(std::holds_alternative<Failed>(ev.back()));
  CHECK(writables(ev, id) == 0);  // Failed is terminal; no per-stream events
  std::fill(data.begin(), data.end(), 0xee);
  CHECK(flush(t.ref).bytes == take(t.copy));
  REQUIRE_ERR(t.ref.write_ref(id, data), error::session_closed);
}

TEST_CASE("yamux write_ref: unref and the copying output calls release references", "[yamux][session][write_ref]") {
  std::mt19937 rng(15);
  Twins t(quiet_config());
  const StreamId id = t.open();
  Bytes data = random_bytes(rng, 70000);
  REQUIRE_OK(t.copy.write(id, data));
  REQUIRE_OK(t.ref.write_ref(id, data));
  (void)events(t.ref);
  SECTION("unref (a cancelled writer)") {
    t.ref.unref(id);
    CHECK(writables(events(t.ref), id) == 1);
    t.ref.unref(id);  // no-op
    CHECK(events(t.ref).empty());
    CHECK(t.ref.output_size() == t.copy.output_size());
    std::fill(data.begin(), data.end(), 0xee);
    CHECK(flush(t.ref).bytes == take(t.copy));
  }
  SECTION("pending_output + output_written (partial)") {
    const BytesView v = t.ref.pending_output();
    CHECK(t.ref.referenced(id) == 0);
    CHECK(writables(events(t.ref), id) == 1);
    std::fill(data.begin(), data.end(), 0xee);
    const Bytes want = take(t.copy);
    REQUIRE(v.size() == want.size());
    CHECK(std::equal(v.begin(), v.end(), want.begin()));
    t.ref.output_written(100);
    CHECK(t.ref.output_size() == want.size() - 100);
  }
  SECTION("take_output") {
    Bytes got = take(t.ref);
    CHECK(t.ref.referenced(id) == 0);
    std::fill(data.begin(), data.end(), 0xee);
    CHECK(got == take(t.copy));
  }
}

TEST_CASE("yamux write_ref: random write sequences give the same output as write", "[yamux][session][write_ref][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int iter = 0; iter < 40; ++iter) {
    Config c = quiet_config();
    c.split_send_size = rng() % 2 ? 16 * 1024 : 1 + rng() % 20000;
    c.min_referenced_write = rng() % 3 == 0 ? 1 : 1 + rng() % 8192;
    c.max_pending_output = 1000 + rng() % (1024 * 1024);
    INFO("iteration " << iter << ": split " << c.split_send_size << ", min ref " << c.min_referenced_write
                      << ", max pending " << c.max_pending_output);
    Twins t(c);
    std::vector<StreamId> ids;
    std::deque<Bytes> sources;  // the writers' buffers: kept until every reference is released
    Bytes wire_a, wire_b;
    auto scribble = [&] {
      // Everything released: a buffer still referenced would now change the referencing side's output.
      for (StreamId id : ids) REQUIRE(t.ref.referenced(id) == 0);
      for (auto& b : sources) std::fill(b.begin(), b.end(), 0xa5);
      sources.clear();
    };
    for (int op = 0; op < 200; ++op) {
      const unsigned what = rng() % 100;
      if (ids.empty() || what < 5) {
        auto a = t.copy.open_stream(t0());
        auto b = t.ref.open_stream(t0());
        REQUIRE(a.has_value() == b.has_value());
        if (a) ids.push_back(*a);
        continue;
      }
      const StreamId id = ids[rng() % ids.size()];
      if (what < 60) {
        sources.push_back(random_bytes(rng, rng() % 4 == 0 ? rng() % 200 : rng() % 100000));
        const Bytes& src = sources.back();
        auto a = t.copy.write(id, src);
        auto b = t.ref.write_ref(id, src);
        REQUIRE(a.has_value() == b.has_value());
        if (a) REQUIRE(*a == *b);
      } else if (what < 75) {
        Bytes out = take(t.copy);
        wire_a.insert(wire_a.end(), out.begin(), out.end());
        const Flushed f = flush(t.ref);
        wire_b.insert(wire_b.end(), f.bytes.begin(), f.bytes.end());
        scribble();
      } else if (what < 80) {
        // The copying contract on the referencing side too: partial writes of pending_output().
        const std::size_t n = rng() % (t.copy.output_size() + 1);
        const BytesView va = t.copy.pending_output();
        const BytesView vb = t.ref.pending_output();
        wire_a.insert(wire_a.end(), va.begin(), va.begin() + static_cast<std::ptrdiff_t>(n));
        wire_b.insert(wire_b.end(), vb.begin(), vb.begin() + static_cast<std::ptrdiff_t>(n));
        t.copy.output_written(n);
        t.ref.output_written(n);
        scribble();
      } else if (what < 88) {
        const Bytes grant = frame(FrameType::window_update, 0, id, 1 + rng() % 200000);
        t.copy.on_bytes(t0(), grant);
        t.ref.on_bytes(t0(), grant);
      } else if (what < 92) {
        t.ref.unref(id);
      } else if (what < 95) {
        (void)t.copy.close_write(id);
        (void)t.ref.close_write(id);
      } else if (what < 98) {
        (void)t.copy.reset(id);
        (void)t.ref.reset(id);
      } else {
        const Bytes rst = frame(FrameType::window_update, flags::rst, id, 0);
        t.copy.on_bytes(t0(), rst);
        t.ref.on_bytes(t0(), rst);
      }
      REQUIRE(t.copy.output_size() == t.ref.output_size());
      (void)events(t.copy);
      (void)events(t.ref);
    }
    Bytes out = take(t.copy);
    wire_a.insert(wire_a.end(), out.begin(), out.end());
    const Flushed f = flush(t.ref);
    wire_b.insert(wire_b.end(), f.bytes.begin(), f.bytes.end());
    scribble();
    REQUIRE(wire_a == wire_b);
  }
}
