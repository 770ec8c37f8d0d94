#include "transport/negotiate.hpp"

#include "lp2p/codec/multistream/error.hpp"
#include "lp2p/codec/multistream/negotiator.hpp"
#include "lp2p/io/buffered_stream.hpp"
#include "io/leftover.hpp"

#include <utility>

namespace lp2p::transport {
namespace {

namespace asio = boost::asio;

/// Feeds the engine from the stream until it reaches an outcome, flushing its replies. With
/// `keep_final`, the replies queued by a successful outcome stay in the engine for the caller.
template <class Engine>
asio::awaitable<result<void>> run_engine(io::ByteStream& s, Engine& engine, bool keep_final = false) {
  // Small: negotiation messages are tens of bytes, and it keeps this coroutine's frame within Asio's
  // frame cache (1,020 bytes; a larger frame is a trip to malloc's slow path for every stream).
  std::uint8_t buf[256];
  for (;;) {
    if (keep_final && engine.outcome() && engine.outcome()->ok()) co_return result<void>{};
    // Whatever the engine has queued, written straight from its buffer (nothing touches it until the
    // write returns). Inline rather than a helper coroutine: one frame less per negotiation.
    if (const auto out = engine.pending_output(); !out.empty()) {
      auto w = co_await s.write_all(out);
      engine.output_written(out.size());
      if (!w) co_return w.error();
    }
    if (engine.outcome()) {
      if (!engine.outcome()->ok()) co_return engine.outcome()->error;
      co_return result<void>{};
    }
    auto r = co_await s.read_some(buf);
    if (!r) co_return r.error();
    engine.on_bytes(BytesView(buf, *r));
  }
}

io::StreamPtr with_leftover(io::StreamPtr stream, Bytes leftover) {
  if (leftover.empty()) return stream;
  return std::make_unique<io::BufferedStream>(std::move(stream), std::move(leftover));
}

/// Sends `prefix_` in the same write as the first data written (one TCP segment instead of two).
/// Once the prefix is out, every call returns the inner stream's awaitable (no coroutine layer).
class WritePrefixStream final : public io::ByteStream {
 public:
  WritePrefixStream(io::StreamPtr inner, Bytes prefix, bool flush_before_read)
      : inner_(std::move(inner)), prefix_(std::move(prefix)), flush_before_read_(flush_before_read) {}

  asio::any_io_executor executor() override { return inner_->executor(); }

  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override {
    if (!flush_before_read_ || prefix_.empty()) return inner_->read_some(buf);
    return flush_then_read(buf);
  }
  bool supports_read_view() const noexcept override { return inner_->supports_read_view(); }
  asio::awaitable<result<BytesView>> read_view(std::size_t max) override {
    if (!flush_before_read_ || prefix_.empty()) return inner_->read_view(max);
    return flush_then_view(max);
  }
  asio::awaitable<result<void>> write_all(BytesView data) override {
    if (prefix_.empty()) return inner_->write_all(data);
    return write_with_prefix(data);
  }
  asio::awaitable<result<void>> shutdown_write() override {
    if (prefix_.empty()) return inner_->shutdown_write();
    return flush_then_shutdown();
  }
  void close() noexcept override { inner_->close(); }
  // Without this the default abort() would close gracefully: a dead connection's socket would keep its
  // 4-tuple for minutes and block the next hole punch from the same ports.
  void abort() noexcept override { inner_->abort(); }
  std::string describe() const override { return inner_->describe(); }
  io::ByteStream* passthrough() noexcept override { return prefix_.empty() ? inner_.get() : nullptr; }

 private:
  asio::awaitable<result<std::size_t>> flush_then_read(std::span<std::uint8_t> buf) {
    if (auto w = co_await flush_prefix(); !w) co_return w.error();
    co_return co_await inner_->read_some(buf);
  }
  asio::awaitable<result<BytesView>> flush_then_view(std::size_t max) {
    if (auto w = co_await flush_prefix(); !w) co_return w.error();
    co_return co_await inner_->read_view(max);
  }
  asio::awaitable<result<void>> write_with_prefix(BytesView data) {
    Bytes all = std::exchange(prefix_, Bytes{});
    all.insert(all.end(), data.begin(), data.end());
    co_return co_await inner_->write_all(all);
  }
  asio::awaitable<result<void>> flush_then_shutdown() {
    if (auto w = co_await flush_prefix(); !w) co_return w.error();
    co_return co_await inner_->shutdown_write();
  }
  asio::awaitable<result<void>> flush_prefix() {
    Bytes p = std::exchange(prefix_, Bytes{});
    co_return co_await inner_->write_all(p);
  }

  io::StreamPtr inner_;
  Bytes prefix_;
  bool flush_before_read_;
};

/// The stream a lazy dialer hands on: its first read consumes and checks the listener's header and
/// echo before any application byte is delivered.
///
/// Once that is done and the leftover handed out, calls go straight to the inner stream's awaitable
/// (these functions are not coroutines then): a coroutine layer here would cost a frame per read and
/// write for callers that do not skip finished wrappers (ByteStream::passthrough()).
class LazyDialerStream final : public io::ByteStream {
 public:
  /// `held` (header, proposal, early data) goes out with the first write, shutdown_write or read.
  LazyDialerStream(io::StreamPtr inner, Bytes held, multistream::Dialer dialer)
      : held_(std::move(inner), std::move(held), /*flush_before_read=*/true), dialer_(std::move(dialer)) {}

  asio::any_io_executor executor() override { return held_.executor(); }

  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override {
    if (done()) return held_.read_some(buf);
    return confirm_and_read(buf);
  }
  // Views pass through when the inner stream has them (a muxer over Noise then needs no read buffer of
  // its own, not even for its first read, which comes before the echo was checked).
  bool supports_read_view() const noexcept override { return held_.supports_read_view(); }
  asio::awaitable<result<BytesView>> read_view(std::size_t max) override {
    if (done()) return held_.read_view(max);
    return confirm_and_view(max);
  }
  asio::awaitable<result<void>> write_all(BytesView data) override { return held_.write_all(data); }
  asio::awaitable<result<void>> shutdown_write() override { return held_.shutdown_write(); }
  void close() noexcept override { held_.close(); }
  void abort() noexcept override { held_.abort(); }
  std::string describe() const override { return held_.describe(); }
  io::ByteStream* passthrough() noexcept override { return done() ? &held_ : nullptr; }

 private:
  bool done() const noexcept { return confirmed_ && pos_ >= leftover_.size(); }

  asio::awaitable<result<std::size_t>> confirm_and_read(std::span<std::uint8_t> buf) {
    if (buf.empty()) co_return std::size_t{0};
    if (!confirmed_) {
      // The caller's buffer is the scratch space (the dialer copies what it is fed, and keeps what
      // follows the echo as leftover, handed out below), unless it is tiny (a varint read one byte at a
      // time). A 1 KiB buffer here made this frame too large for Asio's frame cache (1,020 bytes).
      std::uint8_t small[64];
      const std::span<std::uint8_t> scratch = buf.size() >= sizeof small ? buf : std::span<std::uint8_t>(small);
      while (!dialer_.outcome()) {
        auto r = co_await held_.read_some(scratch);
        if (!r) co_return r.error();
        dialer_.on_bytes(BytesView(scratch.data(), *r));
      }
      if (auto c = confirm(); !c) co_return c.error();
    }
    if (pos_ < leftover_.size()) co_return io::read_leftover(leftover_, pos_, buf);
    co_return co_await held_.read_some(buf);
  }

  asio::awaitable<result<BytesView>> confirm_and_view(std::size_t max) {
    if (max == 0) co_return BytesView{};
    if (!confirmed_) {
      while (!dialer_.outcome()) {
        auto v = co_await held_.read_view(max);
        if (!v) co_return v.error();
        dialer_.on_bytes(*v);  // copies what follows the echo into its leftover
      }
      if (auto c = confirm(); !c) co_return c.error();
    }
    // What arrived behind the echo; once it is handed out the caller goes to the inner stream directly.
    if (pos_ < leftover_.size()) co_return io::view_leftover(leftover_, pos_, max);
    co_return co_await held_.read_view(max);
  }

  result<void> confirm() {
    if (!dialer_.outcome()->ok()) return dialer_.outcome()->error;
    confirmed_ = true;
    leftover_ = dialer_.take_leftover();
    return {};
  }

  // The held-back proposal, in place rather than a stream of its own on the heap; passthrough() hands it
  // out once the echo is checked (this object owns it).
  WritePrefixStream held_;
  multistream::Dialer dialer_;
  bool confirmed_ = false;
  Bytes leftover_;
  std::size_t pos_ = 0;
};

}  // namespace

io::StreamPtr with_write_prefix(io::StreamPtr stream, Bytes prefix, bool flush_before_read) {
  if (prefix.empty()) return stream;
  return std::make_unique<WritePrefixStream>(std::move(stream), std::move(prefix), flush_before_read);
}

asio::awaitable<result<Negotiated>> select_outbound(io::StreamPtr stream, std::vector<std::string> protocols) {
  multistream::Dialer dialer(std::move(protocols), /*lazy=*/false);
  if (auto r = co_await run_engine(*stream, dialer); !r) co_return r.error();
  auto protocol = dialer.outcome()->protocol;
  co_return Negotiated{std::move(protocol), with_leftover(std::move(stream), dialer.take_leftover())};
}

result<Negotiated> start_outbound_lazy(io::StreamPtr stream, std::string protocol, BytesView early_data) {
  multistream::Dialer dialer({protocol}, /*lazy=*/true);
  if (dialer.outcome() && !dialer.outcome()->ok()) return dialer.outcome()->error;
  // The engine's buffer itself, which has room behind header and proposal for early data (Noise's
  // message 1) and for the stream's first write.
  Bytes first = dialer.take_output();
  first.insert(first.end(), early_data.begin(), early_data.end());
  // Not written yet: the proposal rides with the first write (the /yamux proposal with yamux's first
  // frames, a stream's proposal with its first data or FIN), or goes out before the first read.
  return Negotiated{std::move(protocol),
                    std::make_unique<LazyDialerStream>(std::move(stream), std::move(first), std::move(dialer))};
}

namespace {
asio::awaitable<result<Negotiated>> run_listener(io::StreamPtr stream, multistream::Listener listener, Reply when) {
  if (auto r = co_await run_engine(*stream, listener, when != Reply::now); !r) co_return r.error();
  auto protocol = listener.outcome()->protocol;
  auto leftover = listener.take_leftover();
  Bytes reply = listener.take_output();  // the engine's buffer itself: it becomes the write prefix
  if (!reply.empty() && when == Reply::if_dialer_lazy && leftover.empty()) {
    // The dialer sent nothing behind its proposal: it may be waiting for our answer (go, js), so answer now.
    if (auto w = co_await stream->write_all(reply); !w) co_return w.error();
    reply.clear();
  }
  // Else the answer rides with our first write.
  auto s = with_write_prefix(with_leftover(std::move(stream), std::move(leftover)), std::move(reply), false);
  co_return Negotiated{std::move(protocol), std::move(s)};
}
}  // namespace

asio::awaitable<result<Negotiated>> select_inbound(io::StreamPtr stream, std::vector<std::string> supported,
                                                  Reply when) {
  return run_listener(std::move(stream), multistream::Listener(std::move(supported)), when);
}

asio::awaitable<result<Negotiated>> select_inbound(io::StreamPtr stream,
                                                  std::shared_ptr<const std::vector<std::string>> supported,
                                                  Reply when) {
  return run_listener(std::move(stream), multistream::Listener(std::move(supported)), when);
}

}  // namespace lp2p::transport
