#include "transport/upgrader.hpp"

#include "lp2p/codec/noise/handshake.hpp"
#include "lp2p/codec/yamux/error.hpp"
#include "lp2p/core/copy.hpp"
#include "lp2p/core/read_size.hpp"
#include "lp2p/io/error.hpp"
#include "lp2p/log.hpp"
#include "transport/negotiate.hpp"

namespace lp2p::transport {

namespace asio = boost::asio;

namespace {

constexpr std::string_view yamux_protocol_id = "/yamux/1.0.0";

/// The Noise transport phase as an io::ByteStream: frames, encrypts and decrypts with the sans-IO
/// noise::Encrypter/Decrypter; this class only moves bytes.
class NoiseStream final : public io::ByteStream {
 public:
  NoiseStream(io::StreamPtr inner, noise::Encrypter enc, noise::Decrypter dec)
      : inner_(std::move(inner)), enc_(std::move(enc)), dec_(std::move(dec)) {}

  asio::any_io_executor executor() override { return inner_->executor(); }

  asio::awaitable<result<std::size_t>> read_some(std::span<std::uint8_t> buf) override {
    if (buf.empty()) co_return std::size_t{0};
    auto v = co_await read_view(buf.size());
    if (!v) co_return v.error();
    copy_bytes(buf.data(), v->data(), v->size());
    co_return v->size();
  }

  // The muxer reads through this: it copies the bytes into its streams' queues anyway, so a copy into a
  // read buffer of its own first would be one copy of every received byte too many.
  bool supports_read_view() const noexcept override { return true; }
  asio::awaitable<result<BytesView>> read_view(std::size_t max) override {
    if (max == 0) co_return BytesView{};
    for (;;) {
      // The rest of a frame not yet handed out is still in the Decrypter's buffer, which is not touched
      // until it is drained: the view stays valid.
      if (!pending_.empty()) {
        const BytesView v = pending_.first(std::min(max, pending_.size()));
        pending_ = pending_.subspan(v.size());
        co_return v;
      }
      auto next = dec_.next_plaintext_view();
      if (!next) co_return next.error();
      if (*next) {
        pending_ = **next;  // an empty frame carries nothing: the loop reads on
        continue;
      }
      // At least the rest of the current frame (up to 65537 bytes, whatever read_size_ is), else the
      // adaptive read size: small for a connection that only sees small frames, 64 KiB once reads fill it.
      auto space = dec_.prepare(std::max(dec_.bytes_needed(), read_size_.size()));
      auto r = co_await io::skip_passthrough(*inner_).read_some(space);
      if (!r) {
        dec_.commit(0);
        // A clean EOF in the middle of a frame is a truncated message, not an orderly close.
        if (r.error() == asio::error::eof && dec_.buffered() != 0) co_return error_code(io::error::eof_before_frame_end);
        co_return r.error();
      }
      dec_.commit(*r);
      read_size_.on_read(space.size(), *r);
    }
  }

  asio::awaitable<result<void>> write_all(BytesView data) override {
    if (data.empty()) co_return result<void>{};
    // Grow only: resizing down and up again would zero-fill the buffer on every write. At least 1 KiB at
    // once: a new connection's first writes (multistream, identify, yamux frames) then share one buffer
    // instead of growing it three times.
    const std::size_t need = enc_.encrypted_size(data.size());
    if (wbuf_.size() < need) wbuf_.resize(std::max(need, std::size_t{1024}));
    auto n = enc_.encrypt_into(data, std::span<std::uint8_t>(wbuf_.data(), need));
    if (!n) co_return n.error();
    co_return co_await io::skip_passthrough(*inner_).write_all(BytesView(wbuf_.data(), *n));
  }

  asio::awaitable<result<void>> shutdown_write() override { return inner_->shutdown_write(); }
  void close() noexcept override { inner_->close(); }
  void abort() noexcept override { inner_->abort(); }
  std::string describe() const override { return "noise over " + inner_->describe(); }

 private:
  io::StreamPtr inner_;
  noise::Encrypter enc_;
  noise::Decrypter dec_;
  BytesView pending_;  ///< undelivered plaintext of the last frame, inside dec_'s buffer
  ReadSize read_size_;
  Bytes wbuf_;
};

/// Drives the sans-IO handshake to its end: write what it produces, feed it what arrives. The output
/// produced by the step that finishes the handshake (the initiator's message 3) is not written but
/// returned, so that it can share a segment with what follows it.
asio::awaitable<result<Bytes>> drive(io::ByteStream& s, noise::Handshake& hs) {
  // Reads go straight into the handshake's buffer, which later becomes the Decrypter's (finish()): no
  // scratch buffer here (a 4 KiB one made this frame too large for Asio's frame cache and malloc's fast
  // path), no copy. Sized like NoiseStream's first read, so that the Decrypter starts with the buffer
  // it would have allocated anyway.
  constexpr std::size_t read_size = ReadSize::default_initial;
  for (;;) {
    auto out = hs.take_output();
    if (hs.finished()) co_return out;
    if (!out.empty())
      if (auto w = co_await s.write_all(out); !w) co_return w.error();
    auto r = co_await s.read_some(hs.prepare(std::max(hs.bytes_needed(), read_size)));
    if (!r) {
      (void)hs.commit(0);
      // As in NoiseStream::read_some: EOF inside a frame is a truncated message.
      if (r.error() == asio::error::eof && hs.buffered() != 0) co_return error_code(io::error::eof_before_frame_end);
      co_return r.error();
    }
    if (auto fed = hs.commit(*r); !fed) co_return fed.error();
  }
}

/// A listener's list of one protocol, for the lists the upgrade builds once (static) instead of per
/// inbound connection.
std::shared_ptr<const std::vector<std::string>> one_protocol(std::string_view id) {
  return std::make_shared<const std::vector<std::string>>(1, std::string(id));
}

}  // namespace

asio::awaitable<result<Upgraded>> upgrade(io::StreamPtr raw, UpgradeParams params, std::string* detail) {
  const bool initiator = params.role == UpgradeRole::initiator;
  noise::HandshakeConfig hcfg;
  hcfg.expected_peer = params.expected_peer;
  hcfg.verified_identities = params.verified_identities;
  const auto role = initiator ? noise::Role::initiator : noise::Role::responder;
  noise::Handshake hs(role, params.noise_static ? params.noise_static : noise::SignedStaticKey::generate(*params.identity),
                      std::move(hcfg));

  // 1. multistream-select /noise. The initiator sends its proposal and Noise message 1 together (V1Lazy).
  io::StreamPtr stream;
  if (initiator) {
    auto n = start_outbound_lazy(std::move(raw), std::string(noise::protocol_id), hs.take_output());
    if (!n) co_return n.error();
    stream = std::move(n->stream);
  } else {
    static const auto supported = one_protocol(noise::protocol_id);
    // A lazy dialer (lp2p, rust) sent message 1 behind its proposal: our echo rides with message 2.
    auto n = co_await select_inbound(std::move(raw), supported, Reply::if_dialer_lazy);
    if (!n) co_return n.error();
    stream = std::move(n->stream);
  }

  // 2. Noise XX.
  auto last = co_await drive(*stream, hs);
  if (!last) {
    // Cancelled (the caller's deadline or shutdown): the caller knows why; a detail saying "noise handshake
    // failed: Operation canceled" would hide that it was a timeout.
    if (detail && last.error() != asio::error::operation_aborted) {
      if (last.error() == noise::error::peer_id_mismatch && params.expected_peer && hs.remote_peer())
        *detail = "peer id mismatch: expected " + params.expected_peer->to_base58() + ", got " +
                  hs.remote_peer()->to_base58();
      else
        *detail = "noise handshake failed: " + last.error().message();
    }
    co_return last.error();
  }
  auto done = hs.finish();
  if (!done) co_return done.error();
  // The initiator's message 3 goes out with its first transport frame (the /yamux proposal below), in
  // one segment; a read before any write sends it alone (the responder waits for it).
  stream = with_write_prefix(std::move(stream), std::move(*last), /*flush_before_read=*/true);
  // The wrappers describe the raw stream below them: only formatted when debug logging is on.
  LP2P_LOG(debug, "upgrade") << "noise done with " << done->remote_peer.to_base58() << " on " << stream->describe();
  io::StreamPtr secure = std::make_unique<NoiseStream>(std::move(stream), std::move(done->encrypter),
                                                       std::move(done->decrypter));

  // 3. multistream-select /yamux/1.0.0 inside Noise, then yamux. The initiator does not wait for the echo:
  //    its yamux frames follow the proposal, and the echo is checked by the first read (V1Lazy).
  io::StreamPtr muxed;
  if (initiator) {
    auto n = start_outbound_lazy(std::move(secure), std::string(yamux_protocol_id));
    if (!n) co_return n.error();
    muxed = std::move(n->stream);
  } else {
    static const auto supported = one_protocol(yamux_protocol_id);
    // The echo rides with yamux's first frames when the session writes at once (its first keep-alive ping
    // is queued at construction), so even a dialer that waits for the echo gets it without our waiting.
    const auto when = params.yamux.keepalive_interval > yamux::Duration::zero() ? Reply::with_first_write
                                                                                : Reply::if_dialer_lazy;
    auto n = co_await select_inbound(std::move(secure), supported, when);
    if (!n) {
      if (detail && n.error() != asio::error::operation_aborted) *detail = "muxer negotiation failed: " + n.error().message();
      co_return n.error();
    }
    muxed = std::move(n->stream);
  }
  auto mux = std::make_shared<host_detail::MuxedConnection>(
      std::move(muxed), initiator ? yamux::Role::client : yamux::Role::server, params.yamux);
  co_return Upgraded{std::move(mux), std::move(done->remote_peer), std::move(done->remote_key)};
}

}  // namespace lp2p::transport
