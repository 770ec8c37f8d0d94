#include "lp2p/codec/multistream/negotiator.hpp"

#include "support/check.hpp"

#include <algorithm>
#include <random>
#include <set>

using namespace lp2p;
namespace ms = lp2p::multistream;

namespace {
Bytes hex(std::string_view h) {
  Bytes out;
  REQUIRE(from_hex(h, out));
  return out;
}
Bytes msgs(std::initializer_list<std::string_view> contents) {
  Bytes out;
  for (auto c : contents) ms::encode_message(c, out);
  return out;
}
Bytes cat(std::initializer_list<BytesView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes drain_output(ms::NegotiatorBase& e) {
  const auto v = e.pending_output();
  Bytes out(v.begin(), v.end());
  e.output_written(out.size());
  return out;
}

/// Two engines back to back, moving each side's output (and optional application bytes) to the other
/// in chunks of at most max_chunk bytes, until nothing moves. Records both directions.
struct Pair {
  ms::Dialer& d;
  ms::Listener& l;
  Bytes to_listener, to_dialer;      // everything each side sent
  Bytes dialer_payload;              // sent by the dialer once optimistic or selected
  bool payload_sent = false;
  std::mt19937* rng = nullptr;
  std::size_t max_chunk = 1 << 20;

  std::size_t chunk(std::size_t avail) {
    std::size_t c = std::min(avail, max_chunk);
    if (rng && c > 1) c = 1 + (*rng)() % c;
    return c;
  }
  void run() {
    std::size_t to_l = 0, to_d = 0;  // delivery cursors
    for (int guard = 0; guard < 100000; ++guard) {
      Bytes o = drain_output(d);
      to_listener.insert(to_listener.end(), o.begin(), o.end());
      if (!payload_sent && (d.optimistic() || (d.outcome() && d.outcome()->ok()))) {
        to_listener.insert(to_listener.end(), dialer_payload.begin(), dialer_payload.end());
        payload_sent = true;
      }
      o = drain_output(l);
      to_dialer.insert(to_dialer.end(), o.begin(), o.end());
      bool moved = false;
      if (to_l < to_listener.size()) {
        const auto n = chunk(to_listener.size() - to_l);
        l.on_bytes(BytesView(to_listener).subspan(to_l, n));
        to_l += n;
        moved = true;
      }
      if (to_d < to_dialer.size()) {
        const auto n = chunk(to_dialer.size() - to_d);
        d.on_bytes(BytesView(to_dialer).subspan(to_d, n));
        to_d += n;
        moved = true;
      }
      if (!moved && d.pending_output().empty() && l.pending_output().empty()) return;
    }
    FAIL("negotiation did not settle");
  }
};
}  // namespace

TEST_CASE("multistream dialer and listener agree, exact bytes", "[multistream][negotiator]") {
  ms::Dialer d({"/noise"}, false);
  ms::Listener l({"/noise", "/tls/1.0.0"});
  CHECK(l.pending_output().empty());  // the listener waits for the dialer's header
  CHECK_FALSE(d.optimistic());
  CHECK(d.selected().empty());
  Pair p{d, l};
  p.run();
  const Bytes expected = cat({hex("13"), as_bytes("/multistream/1.0.0\n"), hex("07"), as_bytes("/noise\n")});
  CHECK(p.to_listener == expected);  // header and proposal, in one write
  CHECK(p.to_dialer == expected);    // header and echo
  REQUIRE(d.outcome());
  REQUIRE(l.outcome());
  CHECK(d.outcome()->ok());
  CHECK(d.outcome()->protocol == "/noise");
  CHECK(d.selected() == "/noise");
  CHECK(l.outcome()->protocol == "/noise");
  CHECK(d.take_leftover().empty());
  CHECK(l.take_leftover().empty());
}

TEST_CASE("multistream na then second protocol accepted", "[multistream][negotiator]") {
  ms::Dialer d({"/tls/1.0.0", "/noise"}, false);
  ms::Listener l({"/noise"});
  Pair p{d, l};
  p.dialer_payload = hex("0020aa");
  p.run();
  CHECK(p.to_listener == cat({msgs({ms::protocol_id, "/tls/1.0.0", "/noise"}), hex("0020aa")}));
  CHECK(p.to_dialer == msgs({ms::protocol_id, "na", "/noise"}));
  REQUIRE(d.outcome());
  CHECK(d.outcome()->protocol == "/noise");
  REQUIRE(l.outcome());
  CHECK(l.outcome()->protocol == "/noise");
  CHECK(l.take_leftover() == hex("0020aa"));
}

TEST_CASE("multistream no common protocol", "[multistream][negotiator]") {
  ms::Dialer d({"/a", "/b"}, false);
  ms::Listener l({"/c"});
  Pair p{d, l};
  p.run();
  CHECK(p.to_dialer == msgs({ms::protocol_id, "na", "na"}));
  REQUIRE(d.outcome());
  CHECK(d.outcome()->error == ms::error::protocol_not_supported);
  CHECK(d.outcome()->error == condition::unsupported_protocol);
  CHECK(d.outcome()->protocol.empty());
  CHECK(d.take_leftover().empty());
  CHECK_FALSE(l.outcome());  // the listener just waits (the dialer closes the stream)
}

TEST_CASE("multistream listener handles header, proposal and payload in one chunk",
          "[multistream][negotiator][leftover]") {
  // What a rust V1Lazy dialer sends: header, "/noise", then Noise message 1 (0x0020 + 32 bytes).
  Bytes noise1 = hex("0020");
  for (int i = 0; i < 32; ++i) noise1.push_back(static_cast<std::uint8_t>(i * 7));
  const Bytes wire = cat({msgs({ms::protocol_id, "/noise"}), noise1});

  SECTION("one chunk") {
    ms::Listener l({"/noise"});
    l.on_bytes(wire);
    REQUIRE(l.outcome());
    CHECK(l.outcome()->protocol == "/noise");
    CHECK(drain_output(l) == msgs({ms::protocol_id, "/noise"}));
    CHECK(l.take_leftover() == noise1);
    CHECK(l.take_leftover().empty());  // moved out
  }
  SECTION("every split point") {
    for (std::size_t split = 0; split <= wire.size(); ++split) {
      INFO("split " << split);
      ms::Listener l({"/noise"});
      l.on_bytes(BytesView(wire).first(split));
      l.on_bytes(BytesView(wire).subspan(split));
      REQUIRE(l.outcome());
      REQUIRE(l.outcome()->ok());
      REQUIRE(drain_output(l) == msgs({ms::protocol_id, "/noise"}));
      REQUIRE(l.take_leftover() == noise1);
    }
  }
  SECTION("byte at a time") {
    ms::Listener l({"/noise"});
    for (auto b : wire) l.on_bytes(BytesView(&b, 1));
    REQUIRE(l.outcome());
    CHECK(l.outcome()->ok());
    CHECK(l.take_leftover() == noise1);
  }
}

TEST_CASE("multistream captured exchange fed at every split point", "[multistream][negotiator]") {
  // Capture a full exchange with a refusal, then replay each direction in two chunks and bytewise.
  ms::Dialer d0({"/tls/1.0.0", "/noise"}, false);
  ms::Listener l0({"/noise"});
  Pair p{d0, l0};
  p.run();
  const Bytes tail = hex("0102030405");
  const Bytes dialer_wire = cat({p.to_listener, tail});
  const Bytes listener_wire = cat({p.to_dialer, tail});

  for (std::size_t split = 0; split <= dialer_wire.size(); ++split) {
    INFO("listener split " << split);
    ms::Listener l({"/noise"});
    l.on_bytes(BytesView(dialer_wire).first(split));
    l.on_bytes(BytesView(dialer_wire).subspan(split));
    REQUIRE(l.outcome());
    REQUIRE(l.outcome()->protocol == "/noise");
    REQUIRE(drain_output(l) == p.to_dialer);
    REQUIRE(l.take_leftover() == tail);
  }
  for (std::size_t split = 0; split <= listener_wire.size(); ++split) {
    INFO("dialer split " << split);
    ms::Dialer d({"/tls/1.0.0", "/noise"}, false);
    d.on_bytes(BytesView(listener_wire).first(split));
    d.on_bytes(BytesView(listener_wire).subspan(split));
    REQUIRE(d.outcome());
    REQUIRE(d.outcome()->protocol == "/noise");
    REQUIRE(drain_output(d) == p.to_listener);
    REQUIRE(d.take_leftover() == tail);
  }
  ms::Dialer d({"/tls/1.0.0", "/noise"}, false);
  for (auto b : listener_wire) d.on_bytes(BytesView(&b, 1));
  REQUIRE(d.outcome());
  CHECK(d.outcome()->protocol == "/noise");
  CHECK(d.take_leftover() == tail);
}

TEST_CASE("multistream lazy dialer is optimistic and still verifies", "[multistream][negotiator][lazy]") {
  const Bytes reply_payload = hex("00300102");  // e.g. the start of Noise message 2

  SECTION("echo and payload in one chunk") {
    ms::Dialer d({"/noise"}, true);
    CHECK(d.optimistic());
    CHECK(d.selected() == "/noise");
    CHECK_FALSE(d.outcome());
    CHECK(drain_output(d) == msgs({ms::protocol_id, "/noise"}));
    d.on_bytes(cat({msgs({ms::protocol_id, "/noise"}), reply_payload}));
    REQUIRE(d.outcome());
    CHECK(d.outcome()->ok());
    CHECK_FALSE(d.optimistic());
    CHECK(d.selected() == "/noise");
    CHECK(d.take_leftover() == reply_payload);
    // Later bytes are the application's too.
    d.on_bytes(hex("ff"));
    CHECK(d.take_leftover() == hex("ff"));
  }
  SECTION("every split point") {
    const Bytes wire = cat({msgs({ms::protocol_id, "/noise"}), reply_payload});
    for (std::size_t split = 0; split <= wire.size(); ++split) {
      INFO("split " << split);
      ms::Dialer d({"/noise"}, true);
      d.on_bytes(BytesView(wire).first(split));
      if (!d.outcome()) REQUIRE(d.optimistic());
      d.on_bytes(BytesView(wire).subspan(split));
      REQUIRE(d.outcome());
      REQUIRE(d.outcome()->ok());
      REQUIRE(d.take_leftover() == reply_payload);
    }
  }
  SECTION("na is an error") {
    ms::Dialer d({"/noise"}, true);
    d.on_bytes(msgs({ms::protocol_id, "na"}));
    REQUIRE(d.outcome());
    CHECK(d.outcome()->error == ms::error::protocol_not_supported);
    CHECK_FALSE(d.optimistic());
    CHECK(d.selected().empty());
  }
  SECTION("wrong header is an error") {
    ms::Dialer d({"/noise"}, true);
    d.on_bytes(msgs({"/multistream/2.0.0"}));
    REQUIRE(d.outcome());
    CHECK(d.outcome()->error == ms::error::bad_header);
  }
  SECTION("with two protocols it becomes optimistic on the last proposal") {
    ms::Dialer d({"/tls/1.0.0", "/noise"}, true);
    CHECK_FALSE(d.optimistic());
    CHECK(drain_output(d) == msgs({ms::protocol_id, "/tls/1.0.0"}));
    d.on_bytes(msgs({ms::protocol_id, "na"}));
    CHECK(d.optimistic());
    CHECK(d.selected() == "/noise");
    CHECK(drain_output(d) == msgs({"/noise"}));
    d.on_bytes(msgs({"/noise"}));
    REQUIRE(d.outcome());
    CHECK(d.outcome()->ok());
  }
  SECTION("against a listener, application bytes ride with the proposal") {
    ms::Dialer d({"/noise"}, true);
    ms::Listener l({"/noise"});
    Pair p{d, l};
    p.dialer_payload = hex("0020abcdef");
    p.run();
    CHECK(p.to_listener == cat({msgs({ms::protocol_id, "/noise"}), hex("0020abcdef")}));
    REQUIRE(l.outcome());
    CHECK(l.take_leftover() == hex("0020abcdef"));
    REQUIRE(d.outcome());
    CHECK(d.outcome()->ok());
  }
}

TEST_CASE("multistream listener answers ls", "[multistream][negotiator][ls]") {
  ms::Listener l({"/noise", "/yamux/1.0.0", "invalid"});
  l.on_bytes(msgs({ms::protocol_id, "ls"}));
  CHECK_FALSE(l.outcome());
  const Bytes out = drain_output(l);
  Bytes expected = msgs({ms::protocol_id});
  const std::vector<std::string> listed{"/noise", "/yamux/1.0.0"};
  ms::encode_ls_response(listed, expected);
  CHECK(out == expected);

  // The dialer side of ls: read the response and parse the nested frames.
  ms::MessageReader r;
  r.feed(BytesView(out).subspan(20));
  error_code ec;
  auto content = r.next(ec);
  REQUIRE(content);
  auto parsed = ms::parse_ls_response(*content);
  REQUIRE_OK(parsed);
  CHECK(*parsed == listed);

  l.on_bytes(msgs({"/yamux/1.0.0"}));
  REQUIRE(l.outcome());
  CHECK(l.outcome()->protocol == "/yamux/1.0.0");
  CHECK(drain_output(l) == msgs({"/yamux/1.0.0"}));
}

TEST_CASE("multistream listener with a predicate", "[multistream][negotiator]") {
  ms::Listener l([](std::string_view p) { return p.rfind("/echo/", 0) == 0; }, {"/echo/1.0.0"});
  l.on_bytes(msgs({ms::protocol_id, "/ping", "/echo/2.0.0"}));
  REQUIRE(l.outcome());
  CHECK(l.outcome()->protocol == "/echo/2.0.0");
  CHECK(drain_output(l) == msgs({ms::protocol_id, "na", "/echo/2.0.0"}));
}

TEST_CASE("multistream listener caps refused proposals", "[multistream][negotiator][limits]") {
  Bytes wire = msgs({ms::protocol_id});
  for (std::size_t i = 0; i < ms::default_max_attempts; ++i) ms::encode_message("/nope/" + std::to_string(i), wire);
  SECTION("exactly at the cap, then accepted") {
    ms::Listener l({"/noise"});
    l.on_bytes(wire);
    CHECK_FALSE(l.outcome());
    l.on_bytes(msgs({"/noise"}));
    REQUIRE(l.outcome());
    CHECK(l.outcome()->ok());
  }
  SECTION("one past the cap") {
    ms::Listener l({"/noise"});
    l.on_bytes(wire);
    l.on_bytes(msgs({"/nope/again"}));
    REQUIRE(l.outcome());
    CHECK(l.outcome()->error == ms::error::too_many_attempts);
    CHECK(l.outcome()->error == condition::resource_limit);
    CHECK(l.take_leftover().empty());
  }
  SECTION("ls requests count too") {
    ms::Config cfg;
    cfg.max_attempts = 2;
    ms::Listener l({"/noise"}, cfg);
    l.on_bytes(msgs({ms::protocol_id, "ls", "/x"}));
    CHECK_FALSE(l.outcome());
    l.on_bytes(msgs({"ls"}));
    REQUIRE(l.outcome());
    CHECK(l.outcome()->error == ms::error::too_many_attempts);
  }
}

TEST_CASE("multistream listener rejections", "[multistream][negotiator]") {
  auto fail_with = [](const Bytes& wire) {
    ms::Listener l({"/noise"});
    l.on_bytes(wire);
    REQUIRE(l.outcome());
    REQUIRE_FALSE(l.outcome()->ok());
    return l.outcome()->error;
  };
  CHECK(fail_with(msgs({"/noise"})) == ms::error::bad_header);             // no header
  CHECK(fail_with(msgs({"/multistream/2.0.0"})) == ms::error::bad_header);
  CHECK(fail_with(msgs({ms::protocol_id, "noise"})) == ms::error::invalid_protocol_name);
  CHECK(fail_with(msgs({ms::protocol_id, "/a\nb"})) == ms::error::invalid_protocol_name);
  CHECK(fail_with(msgs({ms::protocol_id, ms::protocol_id})) == ms::error::unexpected_message);
  CHECK(fail_with(msgs({ms::protocol_id, "na"})) == ms::error::unexpected_message);
  CHECK(fail_with(cat({msgs({ms::protocol_id}), hex("03616263")})) == ms::error::missing_newline);
  CHECK(fail_with(cat({msgs({ms::protocol_id}), hex("8100")})) == core::error::varint_not_minimal);
  // 1025-byte proposal rejected, a 1024-byte one (1023 + '\n') accepted.
  CHECK(fail_with(msgs({ms::protocol_id, "/" + std::string(1023, 'x')})) == ms::error::message_too_large);
  {
    const std::string big = "/" + std::string(1022, 'x');
    ms::Listener l({big});
    l.on_bytes(msgs({ms::protocol_id, big}));
    REQUIRE(l.outcome());
    CHECK(l.outcome()->protocol == big);
  }
  // Garbage: a TLS ClientHello record header then bytes (0x16 = a 22-byte message without '\n').
  CHECK(fail_with(hex("160301020001000000000000000000000000000000000000000000000000")) ==
        ms::error::missing_newline);
  // An HTTP request: 'G' = 71-byte message ending in a byte that is not '\n'.
  std::string http = "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  CHECK(fail_with(to_bytes(http)) == ms::error::missing_newline);
}

TEST_CASE("multistream dialer rejections and misuse", "[multistream][negotiator]") {
  auto fail_with = [](const Bytes& wire) {
    ms::Dialer d({"/noise"}, false);
    d.on_bytes(wire);
    REQUIRE(d.outcome());
    REQUIRE_FALSE(d.outcome()->ok());
    return d.outcome()->error;
  };
  CHECK(fail_with(msgs({"/noise"})) == ms::error::bad_header);
  CHECK(fail_with(msgs({ms::protocol_id, "/tls/1.0.0"})) == ms::error::unexpected_message);
  CHECK(fail_with(msgs({ms::protocol_id, "ls"})) == ms::error::unexpected_message);
  CHECK(fail_with(msgs({ms::protocol_id, ms::protocol_id})) == ms::error::unexpected_message);
  CHECK(fail_with(msgs({ms::protocol_id, "na"})) == ms::error::protocol_not_supported);
  CHECK(fail_with(hex("ffffffffffffffffff")) == core::error::varint_overlong);
  CHECK(fail_with(msgs({std::string(1024, 'x')})) == ms::error::message_too_large);

  ms::Dialer none({}, false);
  REQUIRE(none.outcome());
  CHECK(none.outcome()->error == ms::error::no_protocols);
  CHECK(none.outcome()->error == condition::misuse);
  CHECK(none.pending_output().empty());
  CHECK_FALSE(none.optimistic());

  ms::Dialer bad({"/ok", "noslash"}, true);
  REQUIRE(bad.outcome());
  CHECK(bad.outcome()->error == ms::error::invalid_local_protocol);
  CHECK(bad.pending_output().empty());
  CHECK_FALSE(bad.optimistic());

  ms::Dialer too_long({"/" + std::string(1023, 'x')}, false);  // 1025 bytes with '\n'
  REQUIRE(too_long.outcome());
  CHECK(too_long.outcome()->error == ms::error::invalid_local_protocol);
  ms::Dialer at_limit({"/" + std::string(1022, 'x')}, false);
  CHECK_FALSE(at_limit.outcome());

  // After failure, input is ignored and nothing is left over.
  ms::Dialer d({"/noise"}, false);
  d.on_bytes(msgs({"/bad"}));
  REQUIRE(d.outcome());
  d.on_bytes(msgs({ms::protocol_id, "/noise"}));
  CHECK(d.outcome()->error == ms::error::bad_header);
  CHECK(d.take_leftover().empty());
}

TEST_CASE("multistream partial output writes", "[multistream][negotiator]") {
  ms::Dialer d({"/noise"}, false);
  const Bytes all(d.pending_output().begin(), d.pending_output().end());
  Bytes sent;
  while (!d.pending_output().empty()) {
    sent.push_back(d.pending_output()[0]);
    d.output_written(1);
  }
  CHECK(sent == all);
  d.output_written(5);  // over-reporting is clamped
  CHECK(d.pending_output().empty());
}

TEST_CASE("multistream take_output hands over what is pending, after partial writes too", "[multistream][negotiator]") {
  for (const std::size_t written : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    INFO("written first " << written);
    ms::Dialer d({"/noise"}, false);
    const Bytes all(d.pending_output().begin(), d.pending_output().end());
    REQUIRE(all.size() > written);
    d.output_written(written);
    const Bytes taken = d.take_output();
    CHECK(taken == Bytes(all.begin() + static_cast<std::ptrdiff_t>(written), all.end()));
    CHECK(d.pending_output().empty());
    CHECK(d.take_output().empty());
    // The engine keeps working: the listener's answer, then a second proposal after a refusal.
    ms::Listener l(std::vector<std::string>{"/other"});
    l.on_bytes(all);
    d.on_bytes(l.take_output());
    REQUIRE(d.outcome());
    CHECK(d.outcome()->error == ms::error::protocol_not_supported);
  }
}

TEST_CASE("multistream random negotiations", "[multistream][negotiator][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::vector<std::string> universe{"/noise", "/tls/1.0.0", "/yamux/1.0.0", "/mplex/6.7.0",
                                          "/ipfs/ping/1.0.0", "/ipfs/id/1.0.0", "/libp2p/dcutr",
                                          "/libp2p/circuit/relay/0.2.0/hop"};
  for (int iter = 0; iter < 500; ++iter) {
    auto pick = [&](std::size_t max) {
      std::vector<std::string> v = universe;
      std::shuffle(v.begin(), v.end(), rng);
      v.resize(rng() % (max + 1));
      return v;
    };
    auto dialer_list = pick(6);
    if (dialer_list.empty()) dialer_list.push_back("/noise");
    const auto listener_list = pick(universe.size());
    const bool lazy = rng() % 2;
    INFO("iteration " << iter << " lazy " << lazy);

    std::string expected;
    for (const auto& p : dialer_list)
      if (std::find(listener_list.begin(), listener_list.end(), p) != listener_list.end()) {
        expected = p;
        break;
      }

    ms::Dialer d(dialer_list, lazy);
    ms::Listener l(listener_list);
    Pair pair{d, l};
    pair.rng = &rng;
    pair.max_chunk = 1 + rng() % 40;
    Bytes payload(rng() % 50);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    // With a lazy dialer and no match, the payload reaches a listener that refuses: it is garbage to
    // the listener, whose outcome then depends on the bytes. Only send it when it can be checked.
    if (!expected.empty()) pair.dialer_payload = payload;
    pair.run();

    REQUIRE(d.outcome());
    if (expected.empty()) {
      REQUIRE(d.outcome()->error == ms::error::protocol_not_supported);
      REQUIRE_FALSE(l.outcome());
      // The listener saw only valid proposals and said na to each.
      Bytes na_replies = msgs({ms::protocol_id});
      for (std::size_t i = 0; i < dialer_list.size(); ++i) ms::encode_message("na", na_replies);
      REQUIRE(pair.to_dialer == na_replies);
    } else {
      REQUIRE(d.outcome()->ok());
      REQUIRE(d.outcome()->protocol == expected);
      REQUIRE(l.outcome());
      REQUIRE(l.outcome()->protocol == expected);
      REQUIRE(l.take_leftover() == payload);
      REQUIRE(d.take_leftover().empty());
    }
  }
}

TEST_CASE("multistream listener with a shared list behaves like one with its own copy",
          "[multistream][negotiator][property]") {
  const auto seed = std::random_device{}();
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  const std::vector<std::string> universe{"/noise", "/yamux/1.0.0", "/ipfs/id/1.0.0", "/ipfs/ping/1.0.0",
                                          "invalid", "/perf/1.0.0"};
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<std::string> list = universe;
    std::shuffle(list.begin(), list.end(), rng);
    list.resize(rng() % (list.size() + 1));
    // The dialer's side: header, then a few proposals or ls requests, possibly invalid or unknown.
    std::vector<std::string> sent{std::string(ms::protocol_id)};
    for (int k = rng() % 4; k >= 0; --k) {
      const auto r = rng() % (universe.size() + 2);
      sent.push_back(r < universe.size() ? universe[r] : r == universe.size() ? "ls" : "/unknown");
    }
    Bytes wire;
    for (const auto& m : sent) ms::encode_message(m, wire);
    INFO("iteration " << iter);

    ms::Listener own(list);
    auto shared = std::make_shared<const std::vector<std::string>>(list);
    ms::Listener borrowed(shared);
    for (std::size_t pos = 0; pos < wire.size();) {
      const std::size_t n = std::min<std::size_t>(wire.size() - pos, 1 + rng() % 16);
      own.on_bytes(BytesView(wire).subspan(pos, n));
      borrowed.on_bytes(BytesView(wire).subspan(pos, n));
      pos += n;
      REQUIRE(drain_output(own) == drain_output(borrowed));
    }
    REQUIRE(own.outcome().has_value() == borrowed.outcome().has_value());
    if (own.outcome()) {
      REQUIRE(own.outcome()->error == borrowed.outcome()->error);
      REQUIRE(own.outcome()->protocol == borrowed.outcome()->protocol);
    }
    REQUIRE(*shared == list);  // never modified
  }
  ms::Listener none(std::shared_ptr<const std::vector<std::string>>{});  // a null list supports nothing
  none.on_bytes(msgs({ms::protocol_id, "/noise"}));
  CHECK(drain_output(none) == msgs({ms::protocol_id, "na"}));
}
