#include "lp2p/codec/frame.hpp"

#include "lp2p/core/uvarint.hpp"

#include <algorithm>

namespace lp2p::codec {

Bytes encode_frame(BytesView body) {
  Bytes out;
  out.reserve(uvarint::encoded_size(body.size()) + body.size());
  append_frame(out, body);
  return out;
}

void append_frame(Bytes& out, BytesView body) {
  uvarint::encode(body.size(), out);
  out.insert(out.end(), body.begin(), body.end());
}

result<std::optional<DecodedFrame>> decode_frame(BytesView in, std::size_t max_size) noexcept {
  error_code ec;
  auto prefix = uvarint::decode_prefix(in, ec);
  if (ec) return error_code(error::invalid_length_prefix);
  if (!prefix) return std::optional<DecodedFrame>{};
  if (prefix->value > max_size) return error_code(error::frame_too_large);
  const auto len = static_cast<std::size_t>(prefix->value);
  if (in.size() - prefix->size < len) return std::optional<DecodedFrame>{};
  return std::optional<DecodedFrame>{DecodedFrame{in.subspan(prefix->size, len), prefix->size + len}};
}

void FrameReader::feed(BytesView data) {
  if (eof_ || data.empty()) return;
  // Compact lazily so that feeding many small chunks stays linear.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
}

result<std::optional<Bytes>> FrameReader::next() {
  if (failed_) return failed_;
  const BytesView unread = BytesView(buf_).subspan(pos_);
  auto frame = decode_frame(unread, max_size_);
  if (!frame) {
    failed_ = frame.error();
    return failed_;
  }
  if (!*frame) {
    if (eof_ && !unread.empty()) {
      failed_ = error::truncated_frame;
      return failed_;
    }
    return std::optional<Bytes>{};
  }
  Bytes body((*frame)->body.begin(), (*frame)->body.end());
  pos_ += (*frame)->consumed;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
  return std::optional<Bytes>{std::move(body)};
}

Bytes FrameReader::take_remaining() {
  Bytes rest(buf_.begin() + static_cast<std::ptrdiff_t>(pos_), buf_.end());
  buf_.clear();
  pos_ = 0;
  return rest;
}

std::size_t FrameReader::bytes_needed() const noexcept {
  const BytesView unread = BytesView(buf_).subspan(pos_);
  error_code ec;
  auto prefix = uvarint::decode_prefix(unread, ec);
  if (ec || !prefix) return ec ? 0 : 1;
  const std::size_t have = unread.size() - prefix->size;
  if (prefix->value > max_size_) return 0;  // next() will report the error
  const auto len = static_cast<std::size_t>(prefix->value);
  return have >= len ? 0 : len - have;
}

}  // namespace lp2p::codec
