// Hostile-peer tests for the connection layer (issue #6 item 3): a real lp2p Host listens on loopback and
// a hand-driven TCP client misbehaves at every step of the upgrade (multistream-select → Noise XX →
// multistream-select → yamux) and afterwards inside yamux. The client uses lp2p's own sans-IO engines
// (noise::Handshake, multistream message codec, yamux header codec) so that it can do everything right
// up to the exact byte it gets wrong.
//
// Every test checks (1) the specific error the host reports (IncomingConnectionFailed for an upgrade,
// ConnectionClosed for an established connection), (2) that the host dropped the TCP connection, and
// (3) that Host::connections() is back to empty.
#include "lp2p/host/host.hpp"

#include "lp2p/codec/multistream/error.hpp"
#include "lp2p/codec/multistream/message.hpp"
#include "lp2p/codec/noise/error.hpp"
#include "lp2p/codec/noise/handshake.hpp"
#include "lp2p/codec/noise/handshake_xx.hpp"
#include "lp2p/codec/noise/payload.hpp"
#include "lp2p/codec/noise/transport_framing.hpp"
#include "lp2p/codec/yamux/error.hpp"
#include "lp2p/codec/yamux/header.hpp"
#include "lp2p/codec/yamux/session.hpp"
#include "lp2p/host/error.hpp"
#include "lp2p/io/error.hpp"
#include "lp2p/io/tcp_stream.hpp"
#include "lp2p/io/timeout.hpp"
#include "lp2p/transport/tcp_address.hpp"
#include "support/check.hpp"
#include "support/host_helpers.hpp"
#include "support/run_coro.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <set>

using namespace lp2p;
using namespace lp2p::testing;  // support/host_helpers.hpp
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// Long enough for a full handshake under ASan on a loaded machine, short enough to wait for 6 times.
constexpr auto upgrade_timeout = 1000ms;

HostConfig hostile_config() {
  auto cfg = loopback_config(1);
  cfg.timeouts.upgrade = upgrade_timeout;
  cfg.ping.enabled = false;  // keeps the host's side of the wire predictable (identify still runs)
  return cfg;
}

asio::awaitable<std::unique_ptr<io::TcpStream>> connect_raw(const Host& h) {
  auto ep = transport::to_tcp_target(h.listen_addrs().at(0)).value().endpoint.value();
  asio::ip::tcp::socket s(co_await asio::this_coro::executor);
  co_await s.async_connect(ep, asio::use_awaitable);
  co_return std::make_unique<io::TcpStream>(std::move(s));
}

asio::awaitable<void> send_raw(io::ByteStream& s, BytesView b) {
  auto w = co_await s.write_all(b);
  REQUIRE_OK(w);
}

/// Reads (and discards) until the host closes the connection; returns how the read ended.
asio::awaitable<error_code> read_until_closed(io::ByteStream& s) {
  std::vector<std::uint8_t> buf(64 * 1024);
  for (;;) {
    auto r = co_await io::with_timeout(s.read_some(buf), 5s);
    if (!r) co_return r.error();
  }
}

/// The host must have dropped the socket: we see its FIN (or an RST), not our 5 s timeout.
void check_dropped(error_code ec) {
  INFO("read ended with: " << ec.message());
  CHECK((ec == asio::error::eof || ec == asio::error::connection_reset));
}

/// One or two multistream-select messages (no initializer lists: GCC 12 miscompiles them in coroutines).
Bytes ms_messages(std::string_view first, std::string_view second = {}) {
  Bytes out;
  multistream::encode_message(first, out);
  if (!second.empty()) multistream::encode_message(second, out);
  return out;
}

/// Reads `count` multistream messages with `rd`; bytes behind them stay in rd.
asio::awaitable<std::vector<std::string>> read_ms(io::ByteStream& s, multistream::MessageReader& rd,
                                                  std::size_t count) {
  std::vector<std::string> got;
  std::vector<std::uint8_t> buf(4096);
  while (got.size() < count) {
    error_code ec;
    if (auto m = rd.next(ec)) {
      got.push_back(std::move(*m));
      continue;
    }
    REQUIRE_FALSE(ec);
    auto r = co_await io::with_timeout(s.read_some(buf), 5s);
    REQUIRE_OK(r);
    rd.feed(BytesView(buf.data(), *r));
  }
  co_return got;
}

/// A client that finished Noise XX with the host and talks yamux by hand-made frames inside Noise.
struct SecureClient {
  std::unique_ptr<io::TcpStream> tcp;
  std::optional<noise::Encrypter> enc;
  std::optional<noise::Decrypter> dec;
  Bytes plain;  // decrypted and not yet consumed

  asio::awaitable<result<void>> send(BytesView plaintext) {
    Bytes out;
    if (auto e = enc->encrypt(plaintext, out); !e) co_return e.error();
    co_return co_await tcp->write_all(out);
  }

  /// Appends at least one more decrypted frame to `plain`.
  asio::awaitable<result<void>> fill() {
    for (;;) {
      auto p = dec->next_plaintext();
      if (!p) co_return p.error();
      if (*p) {
        plain.insert(plain.end(), (*p)->begin(), (*p)->end());
        co_return result<void>{};
      }
      auto space = dec->prepare(64 * 1024);
      auto r = co_await io::with_timeout(tcp->read_some(space), 5s);
      if (!r) {
        dec->commit(0);
        co_return r.error();
      }
      dec->commit(*r);
    }
  }

  /// The next yamux frame from the host (a Data body is skipped).
  asio::awaitable<result<yamux::Header>> next_frame() {
    while (plain.size() < yamux::header_size)
      if (auto f = co_await fill(); !f) co_return f.error();
    auto h = yamux::decode_header(std::span<const std::uint8_t, yamux::header_size>(plain.data(), yamux::header_size));
    REQUIRE_OK(h);
    const std::size_t body = h->type == yamux::FrameType::data ? h->length : 0;
    while (plain.size() < yamux::header_size + body)
      if (auto f = co_await fill(); !f) co_return f.error();
    plain.erase(plain.begin(), plain.begin() + static_cast<std::ptrdiff_t>(yamux::header_size + body));
    co_return *h;
  }
};

Bytes yamux_frame(yamux::FrameType type, std::uint16_t flags, std::uint32_t id, std::uint32_t length) {
  Bytes out;
  yamux::encode_header(yamux::Header{yamux::protocol_version, type, flags, id, length}, out);
  return out;
}

/// Steps of the upgrade the client completes before it stalls or misbehaves.
enum class Step { tcp, ms_header, ms_noise, noise_msg1, noise_done, muxer_header, all };

/// Connects and upgrades as the initiator up to `until`; for Step::all the yamux session is ready.
asio::awaitable<SecureClient> connect_secure(const Host& h, Step until) {
  SecureClient c;
  c.tcp = co_await connect_raw(h);
  if (until == Step::tcp) co_return c;
  co_await send_raw(*c.tcp, ms_messages(multistream::protocol_id));
  if (until == Step::ms_header) co_return c;
  co_await send_raw(*c.tcp, ms_messages(noise::protocol_id));
  if (until == Step::ms_noise) co_return c;

  noise::Handshake hs(noise::Role::initiator, Keypair::from_secret_key_seed(2));
  co_await send_raw(*c.tcp, hs.take_output());  // message 1
  multistream::MessageReader rd;
  auto echo = co_await read_ms(*c.tcp, rd, 2);
  REQUIRE(echo.size() == 2);
  REQUIRE(echo[0] == multistream::protocol_id);
  REQUIRE(echo[1] == noise::protocol_id);
  // Message 2 may have come in the same segment as the echo.
  if (auto left = rd.take_buffered(); !left.empty()) REQUIRE_OK(hs.on_bytes(left));
  Bytes msg3 = hs.take_output();
  std::vector<std::uint8_t> buf(4096);
  while (msg3.empty()) {  // until message 2 is in and message 3 is ready
    auto r = co_await io::with_timeout(c.tcp->read_some(buf), 5s);
    REQUIRE_OK(r);
    auto fed = hs.on_bytes(BytesView(buf.data(), *r));
    REQUIRE_OK(fed);
    msg3 = hs.take_output();
  }
  if (until == Step::noise_msg1) co_return c;  // message 3 is never sent
  co_await send_raw(*c.tcp, msg3);
  REQUIRE(hs.finished());
  auto done = hs.finish();
  REQUIRE_OK(done);
  REQUIRE(done->remote_peer == h.id());
  c.enc.emplace(std::move(done->encrypter));
  c.dec.emplace(std::move(done->decrypter));
  if (until == Step::noise_done) co_return c;

  auto w1 = co_await c.send(ms_messages(multistream::protocol_id));
  REQUIRE_OK(w1);
  if (until == Step::muxer_header) co_return c;
  auto w2 = co_await c.send(ms_messages("/yamux/1.0.0"));
  REQUIRE_OK(w2);
  multistream::MessageReader rd2;
  std::vector<std::string> got;
  while (got.size() < 2) {
    error_code ec;
    if (auto m = rd2.next(ec)) {
      got.push_back(std::move(*m));
      continue;
    }
    REQUIRE_FALSE(ec);
    auto f = co_await c.fill();
    REQUIRE_OK(f);
    rd2.feed(c.plain);
    c.plain.clear();
  }
  REQUIRE(got.size() == 2);
  REQUIRE(got[0] == multistream::protocol_id);
  REQUIRE(got[1] == "/yamux/1.0.0");
  c.plain = rd2.take_buffered();
  co_return c;
}

/// After a yamux violation: the host sends GoAway(protocol error) and closes. Returns whether the GoAway
/// was seen, and checks the socket was dropped.
asio::awaitable<bool> expect_go_away_and_close(SecureClient& c) {
  bool go_away = false;
  for (;;) {
    auto f = co_await c.next_frame();
    if (!f) {
      check_dropped(f.error());
      co_return go_away;
    }
    if (f->type == yamux::FrameType::go_away)
      go_away = f->length == static_cast<std::uint32_t>(yamux::GoAwayCode::protocol_error);
  }
}

/// Runs `attack` against a fresh host and checks the IncomingConnectionFailed it causes.
template <class Attack>
void expect_upgrade_failure(Attack attack, error_code expected, std::string_view detail_part = {}) {
  asio::io_context ioc;
  auto host = Host::create(ioc.get_executor(), hostile_config()).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    auto tcp = co_await attack(*host);
    auto failed = co_await wait_for<IncomingConnectionFailed>(*host, 5s);
    INFO("detail: " << failed.detail);
    CHECK(failed.error == expected);
    if (!detail_part.empty()) CHECK(failed.detail.find(detail_part) != std::string::npos);
    const auto ended = co_await read_until_closed(*tcp);
    check_dropped(ended);
    CHECK(host->connections().empty());
    co_await host->stop();
  }(), std::chrono::seconds(10));
}

/// Runs `attack` on an established connection and checks the ConnectionClosed it causes.
template <class Attack>
void expect_connection_failure(Attack attack, error_code expected) {
  asio::io_context ioc;
  auto host = Host::create(ioc.get_executor(), hostile_config()).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    auto c = co_await connect_secure(*host, Step::all);
    auto est = co_await wait_for<ConnectionEstablished>(*host, 5s);
    CHECK(est.connection.direction == Direction::inbound);
    CHECK(host->connections().size() == 1);
    co_await attack(c);
    const bool go_away = co_await expect_go_away_and_close(c);
    CHECK(go_away);
    auto closed = co_await wait_for<ConnectionClosed>(*host, 5s);
    INFO("reason: " << closed.reason.message());
    CHECK(closed.reason == expected);
    CHECK(closed.connection.id == est.connection.id);
    CHECK(host->connections().empty());
    co_await host->stop();
  }(), std::chrono::seconds(10));
}

}  // namespace

// ---- upgrade phase -----------------------------------------------------------------------------------

TEST_CASE("hostile: a handshake stalled at any step hits the upgrade timeout", "[hostile][upgrade]") {
  for (auto step : {Step::tcp, Step::ms_header, Step::ms_noise, Step::noise_msg1, Step::noise_done,
                    Step::muxer_header}) {
    INFO("stalled after step " << static_cast<int>(step));
    asio::io_context ioc;
    auto host = Host::create(ioc.get_executor(), hostile_config()).value();
    run_coro(ioc, [&]() -> asio::awaitable<void> {
      co_await start_all(*host);
      const auto t0 = std::chrono::steady_clock::now();
      auto c = co_await connect_secure(*host, step);
      auto failed = co_await wait_for<IncomingConnectionFailed>(*host, 5s);
      const auto waited = std::chrono::steady_clock::now() - t0;
      INFO("detail: " << failed.detail);
      CHECK(failed.error == io::error::timeout);
      CHECK(failed.detail == failed.error.message());  // not "... failed: Operation canceled"
      CHECK(waited >= upgrade_timeout - 50ms);  // not earlier than the deadline (timer slack aside)
      CHECK(failed.remote_addr == transport::to_multiaddr(c.tcp->local_endpoint()));
      const auto ended = co_await read_until_closed(*c.tcp);
      check_dropped(ended);
      CHECK(host->connections().empty());
      co_await host->stop();
    }(), std::chrono::seconds(10));
  }
}

TEST_CASE("hostile: oversized multistream messages are refused before their body", "[hostile][upgrade]") {
  SECTION("instead of the header") {
    expect_upgrade_failure(
        [](Host& h) -> asio::awaitable<std::unique_ptr<io::TcpStream>> {
          auto tcp = co_await connect_raw(h);
          // uvarint 1025: one byte more than go/js (and lp2p) accept; no body follows.
          const Bytes prefix{0x81, 0x08};
          co_await send_raw(*tcp, prefix);
          co_return tcp;
        },
        multistream::error::message_too_large);
  }
  SECTION("as the protocol proposal") {
    expect_upgrade_failure(
        [](Host& h) -> asio::awaitable<std::unique_ptr<io::TcpStream>> {
          auto tcp = co_await connect_raw(h);
          auto b = ms_messages(multistream::protocol_id);
          b.push_back(0xff);  // uvarint 2^21-1 (three bytes), far above the limit
          b.push_back(0xff);
          b.push_back(0x7f);
          co_await send_raw(*tcp, b);
          co_return tcp;
        },
        multistream::error::message_too_large);
  }
}

TEST_CASE("hostile: garbage instead of Noise message 1", "[hostile][upgrade]") {
  SECTION("a frame too short for the ephemeral key") {
    expect_upgrade_failure(
        [](Host& h) -> asio::awaitable<std::unique_ptr<io::TcpStream>> {
          auto tcp = co_await connect_raw(h);
          auto b = ms_messages(multistream::protocol_id, noise::protocol_id);
          const Bytes frame{0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00};
          b.insert(b.end(), frame.begin(), frame.end());
          co_await send_raw(*tcp, b);
          co_return tcp;
        },
        noise::error::handshake_message_too_short, "noise handshake failed");
  }
  SECTION("a key followed by a payload (message 1 must carry none)") {
    expect_upgrade_failure(
        [](Host& h) -> asio::awaitable<std::unique_ptr<io::TcpStream>> {
          auto tcp = co_await connect_raw(h);
          auto b = ms_messages(multistream::protocol_id, noise::protocol_id);
          b.push_back(0x00);
          b.push_back(48);
          for (int i = 0; i < 48; ++i) b.push_back(static_cast<std::uint8_t>(0x40 + i));
          co_await send_raw(*tcp, b);
          co_return tcp;
        },
        noise::error::unexpected_payload_in_message1);
  }
  SECTION("an unsupported security protocol") {
    expect_upgrade_failure(
        [](Host& h) -> asio::awaitable<std::unique_ptr<io::TcpStream>> {
          auto tcp = co_await connect_raw(h);
          co_await send_raw(*tcp, ms_messages(multistream::protocol_id, "/tls/1.0.0"));
          // The host answers "na" and waits for another proposal: stall and let the upgrade time out.
          co_return tcp;
        },
        io::error::timeout);
  }
}

TEST_CASE("hostile: a Noise frame announcing more than is sent, then EOF", "[hostile][upgrade]") {
  expect_upgrade_failure(
      [](Host& h) -> asio::awaitable<std::unique_ptr<io::TcpStream>> {
        auto tcp = co_await connect_raw(h);
        auto b = ms_messages(multistream::protocol_id, noise::protocol_id);
        b.push_back(0x03);  // 1000 bytes announced ...
        b.push_back(0xe8);
        for (int i = 0; i < 10; ++i) b.push_back(0x11);  // ... 10 sent
        co_await send_raw(*tcp, b);
        auto shut = co_await tcp->shutdown_write();
        REQUIRE_OK(shut);
        co_return tcp;
      },
      io::error::eof_before_frame_end);
}

/// Runs Noise XX as a raw initiator up to message 3 and sends `payload(our static key)` as its payload:
/// the host (responder) is the one that must authenticate it.
template <class MakePayload>
asio::awaitable<std::unique_ptr<io::TcpStream>> noise_msg3_with(Host& h, MakePayload payload) {
  auto tcp = co_await connect_raw(h);
  const auto st = noise::X25519Keypair::generate();
  noise::HandshakeXX xx(noise::Role::initiator, st);
  auto b = ms_messages(multistream::protocol_id, noise::protocol_id);
  auto m1 = xx.write_message(BytesView{});
  REQUIRE_OK(m1);
  { auto f_ = noise::append_frame(*m1, b); REQUIRE_OK(f_); }
  co_await send_raw(*tcp, b);
  multistream::MessageReader rd;
  auto echo = co_await read_ms(*tcp, rd, 2);
  REQUIRE(echo.size() == 2);
  Bytes in = rd.take_buffered();
  std::vector<std::uint8_t> buf(4096);
  auto frame_len = [&] { return in.size() < 2 ? std::size_t{0} : std::size_t{2} + (in[0] << 8 | in[1]); };
  while (in.size() < 2 || in.size() < frame_len()) {
    auto r = co_await io::with_timeout(tcp->read_some(buf), 5s);
    REQUIRE_OK(r);
    in.insert(in.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*r));
  }
  auto m2 = xx.read_message(BytesView(in).subspan(2, frame_len() - 2));
  REQUIRE_OK(m2);
  auto m3 = xx.write_message(payload(BytesView(st.public_key)));
  REQUIRE_OK(m3);
  Bytes wire;
  { auto f_ = noise::append_frame(*m3, wire); REQUIRE_OK(f_); }
  co_await send_raw(*tcp, wire);
  co_return tcp;
}

TEST_CASE("hostile: Noise message 3 with a bad identity payload", "[hostile][upgrade][noise]") {
  SECTION("a signature over another static key") {
    expect_upgrade_failure(
        [](Host& h) {
          return noise_msg3_with(h, [](BytesView) {
            return noise::encode_payload(
                noise::make_identity_payload(Keypair::from_secret_key_seed(2), noise::X25519Keypair::generate().public_key));
          });
        },
        noise::error::bad_identity_signature, "noise handshake failed");
  }
  SECTION("a key whose PeerId is not the signer's (signed by another identity)") {
    expect_upgrade_failure(
        [](Host& h) {
          return noise_msg3_with(h, [](BytesView ours) {
            auto p = noise::make_identity_payload(Keypair::from_secret_key_seed(2), ours);
            p.identity_key = Keypair::from_secret_key_seed(3).public_key().encode_protobuf();
            return noise::encode_payload(p);
          });
        },
        noise::error::bad_identity_signature);
  }
  SECTION("an unknown key type") {
    expect_upgrade_failure(
        [](Host& h) {
          return noise_msg3_with(h, [](BytesView ours) {
            auto p = noise::make_identity_payload(Keypair::from_secret_key_seed(2), ours);
            p.identity_key = Bytes{0x08, 0x63, 0x12, 0x04, 0x01, 0x02, 0x03, 0x04};  // KeyType 99
            return noise::encode_payload(p);
          });
        },
        noise::error::unsupported_identity_key);
  }
  SECTION("an Ed25519 key of the wrong length") {
    expect_upgrade_failure(
        [](Host& h) {
          return noise_msg3_with(h, [](BytesView ours) {
            auto p = noise::make_identity_payload(Keypair::from_secret_key_seed(2), ours);
            p.identity_key = Bytes{0x08, 0x01, 0x12, 0x04, 0x01, 0x02, 0x03, 0x04};
            return noise::encode_payload(p);
          });
        },
        noise::error::invalid_identity_key);
  }
  SECTION("no signature") {
    expect_upgrade_failure(
        [](Host& h) {
          return noise_msg3_with(h, [](BytesView ours) {
            auto p = noise::make_identity_payload(Keypair::from_secret_key_seed(2), ours);
            p.identity_sig.clear();
            return noise::encode_payload(p);
          });
        },
        noise::error::missing_identity_signature);
  }
}

// ---- established connection (yamux) --------------------------------------------------------------------

TEST_CASE("hostile: yamux data beyond the stream's receive window", "[hostile][yamux]") {
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        // Open stream 1 and announce one byte more than the initial 256 KiB window in one frame.
        auto b = yamux_frame(yamux::FrameType::window_update, yamux::flags::syn, 1, 0);
        auto d = yamux_frame(yamux::FrameType::data, 0, 1, yamux::initial_window + 1);
        b.insert(b.end(), d.begin(), d.end());
        auto w = co_await c.send(b);
        REQUIRE_OK(w);
        // The body may no longer be wanted (the host fails at the header): ignore write errors.
        Bytes body(yamux::initial_window + 1, 0x5a);
        (void)co_await c.send(body);
      },
      yamux::error::window_exceeded);
}

TEST_CASE("hostile: yamux frame of an unknown type", "[hostile][yamux]") {
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        auto w = co_await c.send(yamux_frame(static_cast<yamux::FrameType>(7), 0, 0, 0));
        REQUIRE_OK(w);
      },
      yamux::error::unknown_frame_type);
}

TEST_CASE("hostile: yamux SYN with the host's stream-id parity", "[hostile][yamux]") {
  // We are the client (odd ids); 100 is even and not open on the host.
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        auto w = co_await c.send(yamux_frame(yamux::FrameType::window_update, yamux::flags::syn, 100, 0));
        REQUIRE_OK(w);
      },
      yamux::error::stream_id_parity);
}

TEST_CASE("hostile: yamux SYN reusing an open stream id", "[hostile][yamux]") {
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        auto b = yamux_frame(yamux::FrameType::window_update, yamux::flags::syn, 1, 0);
        auto again = yamux_frame(yamux::FrameType::window_update, yamux::flags::syn, 1, 0);
        b.insert(b.end(), again.begin(), again.end());
        auto w = co_await c.send(b);
        REQUIRE_OK(w);
      },
      yamux::error::duplicate_stream_id);
}

TEST_CASE("hostile: yamux SYN for stream id 0", "[hostile][yamux]") {
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        auto w = co_await c.send(yamux_frame(yamux::FrameType::data, yamux::flags::syn, 0, 0));
        REQUIRE_OK(w);
      },
      yamux::error::unexpected_frame_on_stream0);
}

TEST_CASE("hostile: a yamux Data frame above the frame size limit", "[hostile][yamux]") {
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        auto b = yamux_frame(yamux::FrameType::window_update, yamux::flags::syn, 1, 0);
        auto d = yamux_frame(yamux::FrameType::data, 0, 1, yamux::Config{}.max_frame_body + 1);
        b.insert(b.end(), d.begin(), d.end());
        auto w = co_await c.send(b);  // the header alone is enough: no body follows
        REQUIRE_OK(w);
      },
      yamux::error::frame_too_large);
}

TEST_CASE("hostile: spurious yamux ACKs, RSTs and frames for unknown streams are ignored", "[hostile][yamux]") {
  // ACK-backlog abuse from the other side: ACKs for streams the host never opened, window updates and data
  // for streams that do not exist. None may disturb the session (rust-yamux issue #110), and the data
  // bodies must be skipped exactly, or the next header would be misread.
  asio::io_context ioc;
  auto host = Host::create(ioc.get_executor(), hostile_config()).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    auto c = co_await connect_secure(*host, Step::all);
    auto est = co_await wait_for<ConnectionEstablished>(*host, 5s);
    Bytes b;
    for (std::uint32_t id = 1001; id < 1301; id += 2) {
      auto ack = yamux_frame(yamux::FrameType::window_update, yamux::flags::ack, id, 1000);
      auto rst = yamux_frame(yamux::FrameType::window_update, yamux::flags::rst, id + 1000, 0);
      auto data = yamux_frame(yamux::FrameType::data, 0, id + 2000, 16);
      b.insert(b.end(), ack.begin(), ack.end());
      b.insert(b.end(), rst.begin(), rst.end());
      b.insert(b.end(), data.begin(), data.end());
      b.insert(b.end(), 16, 0xee);
    }
    auto w = co_await c.send(b);
    REQUIRE_OK(w);
    auto p = co_await c.send(yamux_frame(yamux::FrameType::ping, yamux::flags::syn, 0, 777));
    REQUIRE_OK(p);
    bool pong = false;
    while (!pong) {
      auto f = co_await c.next_frame();
      REQUIRE_OK(f);
      if (f->type == yamux::FrameType::go_away) FAIL("GoAway");
      pong = f->type == yamux::FrameType::ping && f->flags == yamux::flags::ack && f->length == 777;
    }
    CHECK(host->connections().size() == 1);
    CHECK(host->stream_count(est.connection.id) <= 1);  // at most the host's own identify stream
    auto shut = co_await c.tcp->shutdown_write();
    REQUIRE_OK(shut);
    auto closed = co_await wait_for<ConnectionClosed>(*host, 5s);
    CHECK(closed.reason == yamux::error::transport_closed);
    CHECK(host->connections().empty());
    co_await host->stop();
  }(), std::chrono::seconds(10));
}

TEST_CASE("hostile: unsolicited yamux pong", "[hostile][yamux]") {
  expect_connection_failure(
      [](SecureClient& c) -> asio::awaitable<void> {
        // The host pings at once (keep-alive); answer with a value it did not send.
        std::optional<std::uint32_t> value;
        while (!value) {
          auto f = co_await c.next_frame();
          REQUIRE_OK(f);
          if (f->type == yamux::FrameType::ping && f->flags == yamux::flags::syn) value = f->length;
        }
        auto w = co_await c.send(yamux_frame(yamux::FrameType::ping, yamux::flags::ack, 0, *value ^ 0x5a5a5a5au));
        REQUIRE_OK(w);
      },
      yamux::error::unsolicited_pong);
}

TEST_CASE("hostile: a yamux SYN flood past max streams is refused with RST, the connection survives",
          "[hostile][yamux]") {
  asio::io_context ioc;
  auto host = Host::create(ioc.get_executor(), hostile_config()).value();
  host->set_handler("/sink/1.0.0", [](Stream) -> asio::awaitable<void> { co_return; });
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    auto c = co_await connect_secure(*host, Step::all);
    (void)co_await wait_for<ConnectionEstablished>(*host, 5s);

    // 600 SYNs in batches of 50, with a pause so the host's accept loop keeps its backlog (256) empty: the
    // binding limit is then the connection's receive window (64 MiB = 256 streams at 256 KiB; yamux's own
    // max_streams, 512, is higher), the host's own streams included. Even five batches arriving in one read
    // stay under the backlog.
    constexpr std::uint32_t total = 600;
    const std::size_t max_streams = std::min(yamux::Config{}.max_streams,
                                             HostConfig{}.limits.max_receive_buffer_per_connection / yamux::initial_window);
    for (std::uint32_t batch = 0; batch < total / 50; ++batch) {
      Bytes b;
      for (std::uint32_t i = 0; i < 50; ++i) {
        auto f = yamux_frame(yamux::FrameType::window_update, yamux::flags::syn, 2 * (batch * 50 + i) + 1, 0);
        b.insert(b.end(), f.begin(), f.end());
      }
      auto w = co_await c.send(b);
      REQUIRE_OK(w);
      (void)co_await io::sleep_for(20ms);
    }
    // Then a ping: its pong proves the session is alive and, yamux being in order, that every RST for
    // the flood has been received before it.
    auto w = co_await c.send(yamux_frame(yamux::FrameType::ping, yamux::flags::syn, 0, 4242));
    REQUIRE_OK(w);
    std::set<std::uint32_t> reset;
    bool pong = false;
    while (!pong) {
      auto f = co_await c.next_frame();
      REQUIRE_OK(f);
      if (f->type == yamux::FrameType::ping && f->flags == yamux::flags::ack) pong = f->length == 4242;
      if (f->type == yamux::FrameType::ping && f->flags == yamux::flags::syn) {
        auto p = co_await c.send(yamux_frame(yamux::FrameType::ping, yamux::flags::ack, 0, f->length));
        REQUIRE_OK(p);
      }
      if ((f->flags & yamux::flags::rst) && f->stream_id % 2 == 1) reset.insert(f->stream_id);
    }
    CHECK(pong);
    // The host's own streams (identify, at most 2 at this point) count against the limit too.
    INFO("streams reset: " << reset.size());
    CHECK(reset.size() >= total - max_streams);
    CHECK(reset.size() <= total - max_streams + 2);
    if (!reset.empty()) CHECK(*reset.begin() > 2 * (max_streams - 3));  // only the last SYNs were refused
    CHECK(host->connections().size() == 1);

    // Our orderly exit: the host sees EOF and forgets the connection.
    auto shut = co_await c.tcp->shutdown_write();
    REQUIRE_OK(shut);
    auto closed = co_await wait_for<ConnectionClosed>(*host, 5s);
    INFO("reason: " << closed.reason.message());
    CHECK(closed.reason == yamux::error::transport_closed);
    CHECK(host->connections().empty());
    co_await host->stop();
  }(), std::chrono::seconds(20));
}

// ---- resource limits and shutdown ------------------------------------------------------------------------

TEST_CASE("hostile: connections past max_pending_handshakes are dropped at once", "[hostile][limits]") {
  asio::io_context ioc;
  auto cfg = hostile_config();
  cfg.limits.max_pending_handshakes = 2;
  cfg.timeouts.upgrade = 2s;
  auto host = Host::create(ioc.get_executor(), cfg).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    // Two stalled handshakes occupy the slots (each sent its header, so the host is reading).
    auto a = co_await connect_secure(*host, Step::ms_header);
    auto b = co_await connect_secure(*host, Step::ms_header);
    (void)co_await io::sleep_for(50ms);
    auto c = co_await connect_raw(*host);
    const auto t0 = std::chrono::steady_clock::now();
    const auto ended = co_await read_until_closed(*c);
    check_dropped(ended);
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);  // refused, not timed out
    CHECK(host->connections().empty());
    co_await host->stop();
  }(), std::chrono::seconds(10));
}

TEST_CASE("hostile: an upgrade that completes after stop() is not admitted", "[hostile][shutdown]") {
  asio::io_context ioc;
  auto cfg = hostile_config();
  cfg.timeouts.upgrade = 5s;
  auto host = Host::create(ioc.get_executor(), cfg).value();
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    // Noise done, the muxer proposal withheld until the host has stopped.
    auto c = co_await connect_secure(*host, Step::muxer_header);
    co_await host->stop();
    auto w = co_await c.send(ms_messages("/yamux/1.0.0"));
    REQUIRE_OK(w);
    const auto ended = co_await read_until_closed(*c.tcp);
    check_dropped(ended);
    CHECK(host->connections().empty());
    bool established = false;
    for (;;) {  // next_event drains what was queued, then reports stopped
      auto ev = co_await host->next_event();
      if (!ev) break;
      established = established || std::holds_alternative<ConnectionEstablished>(*ev);
    }
    CHECK_FALSE(established);
  }(), std::chrono::seconds(10));
}

TEST_CASE("hostile: destroying the host mid-handshake and mid-connection is clean", "[hostile][shutdown]") {
  // Run under ASan/LSan (LP2P_SANITIZE=ON): no use-after-free when the pending upgrade and the
  // connection's tasks finish after ~Host, and nothing leaks once the io_context is gone.
  asio::io_context ioc;
  auto cfg = hostile_config();
  cfg.timeouts.upgrade = 1s;
  auto host = Host::create(ioc.get_executor(), cfg).value();
  SecureClient stalled, established;
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    co_await start_all(*host);
    established = co_await connect_secure(*host, Step::all);
    (void)co_await wait_for<ConnectionEstablished>(*host, 5s);
    stalled = co_await connect_secure(*host, Step::noise_msg1);
  }(), std::chrono::seconds(10));
  host.reset();  // no stop(): the destructor aborts connections, the upgrade is still pending
  run_coro(ioc, [&]() -> asio::awaitable<void> {
    const auto e1 = co_await read_until_closed(*established.tcp);
    check_dropped(e1);
    const auto e2 = co_await read_until_closed(*stalled.tcp);  // the upgrade deadline frees it
    check_dropped(e2);
  }(), std::chrono::seconds(10));
}
