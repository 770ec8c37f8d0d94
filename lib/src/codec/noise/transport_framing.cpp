#include "lp2p/codec/noise/transport_framing.hpp"

#include "lp2p/core/copy.hpp"

#include <algorithm>
#include <cstring>

namespace lp2p::noise {

result<void> append_frame(BytesView message, Bytes& out) {
  if (message.size() > max_message_size) return error::frame_too_large;
  out.push_back(static_cast<std::uint8_t>(message.size() >> 8));
  out.push_back(static_cast<std::uint8_t>(message.size()));
  out.insert(out.end(), message.begin(), message.end());
  return {};
}

result<std::optional<Frame>> parse_frame(BytesView in, std::size_t max_frame) {
  if (in.size() < frame_header_size) return std::optional<Frame>{};
  const std::size_t len = std::size_t{in[0]} << 8 | in[1];
  if (len > std::min(max_frame, max_message_size)) return error::frame_too_large;
  if (in.size() < frame_header_size + len) return std::optional<Frame>{};
  return std::optional<Frame>{Frame{in.subspan(frame_header_size, len), frame_header_size + len}};
}

// ---- FrameBuffer -----------------------------------------------------------------------------------
// buf_ is storage; live bytes are [start_, end_). Storage only grows when a frame plus the bytes behind
// it do not fit, so steady-state reading does no allocation and no zero-filling.

FrameBuffer::FrameBuffer(std::size_t max_frame) noexcept : max_frame_(std::min(max_frame, max_message_size)) {}

void FrameBuffer::compact() {
  if (start_ == 0) return;
  const std::size_t live = end_ - start_;
  // Usually a partial frame much shorter than what was consumed before it: no overlap, so a copy that
  // avoids the slow rep-movsb case (lp2p/core/copy.hpp).
  if (live <= start_) copy_bytes(buf_.data(), buf_.data() + start_, live);
  else std::memmove(buf_.data(), buf_.data() + start_, live);
  start_ = 0;
  end_ = live;
}

std::span<std::uint8_t> FrameBuffer::prepare(std::size_t n) {
  if (buf_.size() - end_ >= n) return {buf_.data() + end_, n};
  // No room behind the data for this read. Moving the partial frame at the front costs a copy of up to a
  // whole frame: under bulk traffic (a partial frame longer than the cheap-move limit) the storage grows
  // once to two whole frames plus the read, so that a move comes only every few reads instead of before
  // every read. Connections that only see small frames keep small storage and move a few bytes.
  constexpr std::size_t cheap_move = 4096;
  const std::size_t live = end_ - start_;
  const std::size_t bulk_size = 2 * (max_frame_ + frame_header_size) + n;
  if (live > cheap_move && buf_.size() < bulk_size) {
    decltype(buf_) grown(std::max(bulk_size, live + n));
    copy_bytes(grown.data(), buf_.data() + start_, live);  // fresh storage: no overlap
    buf_.swap(grown);
    start_ = 0;
    end_ = live;
  } else {
    compact();
    if (buf_.size() - end_ < n) buf_.resize(end_ + n);
  }
  return {buf_.data() + end_, n};
}

void FrameBuffer::commit(std::size_t n) noexcept { end_ += std::min(n, buf_.size() - end_); }

void FrameBuffer::feed(BytesView bytes) {
  if (bytes.empty()) return;
  auto dst = prepare(bytes.size());
  std::memcpy(dst.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

result<std::optional<std::span<std::uint8_t>>> FrameBuffer::next_frame() {
  using R = std::optional<std::span<std::uint8_t>>;
  if (failed_) return failed_;
  auto f = parse_frame(BytesView(buf_.data() + start_, end_ - start_), max_frame_);
  if (!f) {
    failed_ = f.error();
    return failed_;
  }
  if (!*f) return R{};
  std::span<std::uint8_t> body(buf_.data() + start_ + frame_header_size, (*f)->body.size());
  start_ += (*f)->consumed;
  // Reset the indices (not the storage) so the next feed starts at the front; the span stays valid.
  if (start_ == end_) start_ = end_ = 0;
  return R{body};
}

std::size_t FrameBuffer::bytes_needed() const noexcept {
  const std::size_t have = end_ - start_;
  if (have < frame_header_size) return frame_header_size - have;
  const std::size_t len = std::size_t{buf_[start_]} << 8 | buf_[start_ + 1];
  const std::size_t want = frame_header_size + len;
  return have >= want ? 0 : want - have;
}

Bytes FrameBuffer::take_remaining() {
  Bytes rest(buf_.begin() + static_cast<std::ptrdiff_t>(start_), buf_.begin() + static_cast<std::ptrdiff_t>(end_));
  start_ = end_ = 0;
  return rest;
}

// ---- Encrypter -------------------------------------------------------------------------------------

Encrypter::Encrypter(CipherState send, std::size_t max_plaintext_per_frame) noexcept
    : cs_(std::move(send)), max_chunk_(std::clamp<std::size_t>(max_plaintext_per_frame, 1, max_plaintext_size)) {}

std::size_t Encrypter::encrypted_size(std::size_t n) const noexcept {
  const std::size_t frames = (n + max_chunk_ - 1) / max_chunk_;
  return n + frames * (frame_header_size + tag_size);
}

result<std::size_t> Encrypter::encrypt_into(BytesView plaintext, std::span<std::uint8_t> out) {
  if (failed_) return failed_;
  if (!cs_.has_key()) return error::no_key;
  if (out.size() < encrypted_size(plaintext.size())) return error::cipher_failure;
  std::size_t pos = 0;
  while (!plaintext.empty()) {
    const std::size_t n = std::min(plaintext.size(), max_chunk_);
    const std::size_t len = n + tag_size;
    out[pos] = static_cast<std::uint8_t>(len >> 8);
    out[pos + 1] = static_cast<std::uint8_t>(len);
    auto r = cs_.encrypt_into({}, plaintext.first(n), out.subspan(pos + frame_header_size, len));
    if (!r) {
      failed_ = r.error();
      return failed_;
    }
    pos += frame_header_size + len;
    plaintext = plaintext.subspan(n);
  }
  return pos;
}

result<void> Encrypter::encrypt(BytesView plaintext, Bytes& out) {
  const std::size_t at = out.size();
  out.resize(at + encrypted_size(plaintext.size()));
  auto r = encrypt_into(plaintext, std::span<std::uint8_t>(out).subspan(at));
  if (!r) {
    out.resize(at);
    return r.error();
  }
  return {};
}

result<Bytes> Encrypter::encrypt(BytesView plaintext) {
  Bytes out;
  if (auto r = encrypt(plaintext, out); !r) return r.error();
  return out;
}

// ---- Decrypter -------------------------------------------------------------------------------------

Decrypter::Decrypter(CipherState recv, std::size_t max_frame) noexcept
    : cs_(std::move(recv)), frames_(max_frame) {}

Decrypter::Decrypter(CipherState recv, FrameBuffer&& frames) noexcept
    : cs_(std::move(recv)), frames_(std::move(frames)) {}

result<std::optional<BytesView>> Decrypter::next_plaintext_view() {
  using R = std::optional<BytesView>;
  if (failed_) return failed_;
  if (!cs_.has_key()) return error::no_key;
  auto f = frames_.next_frame();
  if (!f) {
    failed_ = f.error();
    return failed_;
  }
  if (!*f) return R{};
  auto body = **f;
  if (body.size() < tag_size) {
    failed_ = error::frame_too_short;
    return failed_;
  }
  auto n = cs_.decrypt_into({}, body, body);  // in place: plaintext overwrites ciphertext
  if (!n) {
    failed_ = n.error();
    return failed_;
  }
  return R{BytesView(body.data(), *n)};
}

result<std::optional<Bytes>> Decrypter::next_plaintext() {
  using R = std::optional<Bytes>;
  auto v = next_plaintext_view();
  if (!v) return v.error();
  if (!*v) return R{};
  return R{Bytes((*v)->begin(), (*v)->end())};
}

}  // namespace lp2p::noise
