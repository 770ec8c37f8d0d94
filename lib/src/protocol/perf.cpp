#include "lp2p/protocol/perf.hpp"

#include "lp2p/codec/perf/header.hpp"
#include "lp2p/core/read_size.hpp"
#include "lp2p/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <memory>
#include <optional>

namespace lp2p::perf {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;

namespace {
constexpr std::size_t chunk = 64 * 1024;

asio::awaitable<void> handle(Stream s) {
  std::uint8_t header[header_size];
  std::size_t got = 0;
  std::optional<DecodedHeader> decoded;
  while (!(decoded = decode_header(BytesView(header, got)))) {
    auto n = co_await s.read_some(std::span<std::uint8_t>(header + got, sizeof header - got));
    if (!n) co_return;
    got += *n;
  }
  std::uint64_t to_send = decoded->download_bytes;
  // Sized by what arrives and what is asked for: a stream that sends or asks for a byte or two must not
  // allocate (or clear) 64 KiB. Not zero-filled up front.
  ReadSize read_size;
  std::size_t size = read_size.size();
  auto buf = std::make_unique_for_overwrite<std::uint8_t[]>(size);
  for (;;) {  // discard the upload until EOF
    auto n = co_await s.read_some(std::span<std::uint8_t>(buf.get(), size));
    if (!n) {
      if (n.error() != asio::error::eof) co_return;
      break;
    }
    if (read_size.on_read(size, *n)) {
      size = read_size.size();
      buf = std::make_unique_for_overwrite<std::uint8_t[]>(size);
    }
  }
  const auto out = static_cast<std::size_t>(std::min<std::uint64_t>(to_send, chunk));
  if (out > size) {
    size = out;
    buf = std::make_unique_for_overwrite<std::uint8_t[]>(size);
  }
  std::fill_n(buf.get(), out, 0);
  while (to_send > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(to_send, chunk));
    if (!co_await s.write(BytesView(buf.get(), n))) co_return;
    to_send -= n;
  }
  (void)co_await s.close_write();
}
}  // namespace

void serve(Host& host) { host.set_handler(std::string(protocol_id), handle); }

asio::awaitable<result<Result>> run(Host& host, const PeerId& peer, std::uint64_t upload_bytes,
                                    std::uint64_t download_bytes, std::function<void(const Progress&)> on_progress) {
  using clock = std::chrono::steady_clock;
  std::vector<std::string> protocols{std::string(protocol_id)};  // named: GCC 12 and init-lists across co_await
  auto s = co_await host.open_stream(peer, std::move(protocols));
  if (!s) co_return s.error();
  const auto start = clock::now();
  auto last = start;
  std::uint64_t up = 0, down = 0, up_reported = 0, down_reported = 0;
  auto report = [&](bool force) {
    const auto now = clock::now();
    if (!on_progress || (!force && now - last < std::chrono::seconds(1))) return;
    on_progress(Progress{now - last, up - up_reported, down - down_reported});
    last = now;
    up_reported = up;
    down_reported = down;
  };
  const auto header = encode_header(download_bytes);
  if (auto w = co_await s->write(BytesView(header)); !w) co_return w.error();
  std::vector<std::uint8_t> buf(chunk, 0);
  while (up < upload_bytes) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(upload_bytes - up, chunk));
    if (auto w = co_await s->write(BytesView(buf.data(), n)); !w) co_return w.error();
    up += n;
    report(false);
  }
  if (auto w = co_await s->close_write(); !w) co_return w.error();
  for (;;) {
    auto n = co_await s->read_some(buf);
    if (!n) {
      if (n.error() != asio::error::eof) co_return n.error();
      break;
    }
    down += *n;
    report(false);
  }
  if (down != download_bytes) {
    LP2P_LOG(warn, "perf") << "server sent " << down << " bytes, asked for " << download_bytes;
    co_return error_code(asio::error::message_size);
  }
  co_return Result{clock::now() - start, up, down};
}

}  // namespace lp2p::perf
