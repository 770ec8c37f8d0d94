#include "protocol/builtin.hpp"

#include "lp2p/codec/frame.hpp"
#include "lp2p/host/error.hpp"
#include "lp2p/core/uvarint.hpp"
#include "lp2p/io/error.hpp"
#include "lp2p/io/framed.hpp"

#include <boost/asio/error.hpp>
#include <sodium.h>

namespace lp2p::protocol {

namespace asio = boost::asio;

asio::awaitable<result<void>> identify_respond_frame(io::ByteStream& s, BytesView frame) {
  if (auto w = co_await s.write_all(frame); !w) co_return w.error();
  co_return co_await s.shutdown_write();
}

asio::awaitable<result<identify::IdentifyMessage>> identify_read(io::ByteStream& s) {
  identify::IdentifyMessage merged;
  for (std::size_t i = 0; i < identify::max_messages_per_stream; ++i) {
    auto frame = co_await io::read_uvarint_frame(s, identify::max_message_size);
    if (!frame) {
      // EOF before a new frame ends the reply (go splits large messages in two).
      if (i > 0 && frame.error() == asio::error::eof) break;
      co_return frame.error();
    }
    // Straight into the merged message: decode() + merge() copied every field twice.
    if (auto r = identify::decode_into(*frame, merged); !r) co_return r.error();
  }
  co_return merged;
}

IdentifyInfo to_identify_info(const identify::IdentifyMessage& m) {
  identify::IdentifyMessage copy = m;
  return to_identify_info(std::move(copy));
}

IdentifyInfo to_identify_info(identify::IdentifyMessage&& m) {
  IdentifyInfo info;
  if (m.protocol_version) info.protocol_version = std::move(*m.protocol_version);
  if (m.agent_version) info.agent_version = std::move(*m.agent_version);
  info.protocols = std::move(m.protocols);
  info.listen_addrs.reserve(m.listen_addrs.size());
  for (const auto& a : m.listen_addrs)
    if (auto ma = Multiaddr::from_bytes(a)) info.listen_addrs.push_back(std::move(*ma));
  // js-libp2p appends /p2p/<the observed peer, i.e. us> to observedAddr; go and rust don't. Strip it so
  // the observed address compares equal to our socket/listen addresses whoever sent it.
  if (m.observed_addr)
    if (auto ma = Multiaddr::from_bytes(*m.observed_addr))
      info.observed_addr = ma->peer_id() ? ma->decapsulate_code(Protocol::p2p) : std::move(*ma);
  return info;
}

asio::awaitable<result<void>> ping_respond(io::ByteStream& s) {
  std::uint8_t buf[ping_size];
  for (;;) {
    auto r = co_await io::read_exact(s, buf);
    if (!r) {
      if (r.error() == asio::error::eof) co_return co_await s.shutdown_write();
      co_return r.error();
    }
    if (auto w = co_await s.write_all(BytesView(buf, ping_size)); !w) co_return w.error();
  }
}

asio::awaitable<result<std::chrono::microseconds>> ping_once(io::ByteStream& s) {
  std::uint8_t out[ping_size], in[ping_size];
  randombytes_buf(out, sizeof out);
  const auto start = std::chrono::steady_clock::now();
  if (auto w = co_await s.write_all(BytesView(out, ping_size)); !w) co_return w.error();
  if (auto r = co_await io::read_exact(s, in); !r) co_return r.error();
  const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  if (std::memcmp(in, out, ping_size) != 0) co_return error_code(host::error::ping_mismatch);
  co_return rtt;
}

asio::awaitable<result<Bytes>> read_frame(Stream& s, std::size_t max_size) {
  Bytes prefix;
  std::uint8_t b = 0;
  for (;;) {
    auto n = co_await s.read_some(std::span<std::uint8_t>(&b, 1));
    if (!n) {
      if (!prefix.empty() && n.error() == asio::error::eof) co_return error_code(io::error::eof_before_frame_end);
      co_return n.error();
    }
    prefix.push_back(b);
    error_code ec;
    auto len = uvarint::decode_prefix(prefix, ec);
    if (ec) co_return ec;
    if (!len) continue;
    if (len->value > max_size) co_return error_code(io::error::frame_too_large);
    Bytes body(static_cast<std::size_t>(len->value));
    std::size_t got = 0;
    while (got < body.size()) {
      auto r = co_await s.read_some(std::span<std::uint8_t>(body.data() + got, body.size() - got));
      if (!r) co_return r.error() == asio::error::eof ? error_code(io::error::eof_before_frame_end) : r.error();
      got += *r;
    }
    co_return body;
  }
}

asio::awaitable<result<void>> write_frame(Stream& s, BytesView body) {
  Bytes out;
  uvarint::encode(body.size(), out);
  out.insert(out.end(), body.begin(), body.end());
  co_return co_await s.write(out);
}

}  // namespace lp2p::protocol
