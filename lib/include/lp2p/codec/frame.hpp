// uvarint length-prefixed framing, shared by identify, circuit relay v2 (hop/stop) and DCUtR:
//   frame = uvarint(len(body)) body
// Specs: https://github.com/libp2p/specs/blob/master/relay/circuit-v2.md (and identify/README.md,
// relay/DCUtR.md); varint: https://github.com/multiformats/unsigned-varint.
//
// The streaming FrameReader never throws bytes away: a relay peer sends relayed data right behind its
// STATUS frame (rust keeps it as `read_buffer`), so whatever follows a frame stays available through
// take_remaining().
#pragma once

#include "lp2p/codec/error.hpp"
#include "lp2p/core/bytes.hpp"

#include <cstddef>
#include <optional>

namespace lp2p::codec {

/// Returns uvarint(len(body)) || body.
Bytes encode_frame(BytesView body);
/// Appends uvarint(len(body)) || body to `out`.
void append_frame(Bytes& out, BytesView body);

/// A complete frame found at the start of a buffer.
struct DecodedFrame {
  BytesView body;        ///< points into the input
  std::size_t consumed;  ///< prefix + body bytes
};

/// Decodes one frame at the start of `in` without copying. Returns std::nullopt when more bytes are
/// needed. The length limit is checked as soon as the prefix is complete, before the body arrives.
/// @errors codec::error::frame_too_large, codec::error::invalid_length_prefix
result<std::optional<DecodedFrame>> decode_frame(BytesView in, std::size_t max_size) noexcept;

/// Streaming decoder for a sequence of frames.
///
/// Usage: feed() whatever was read, then call next() until it yields std::nullopt (need more bytes).
/// On end of stream call feed_eof(): next() then reports truncated_frame if a partial frame is
/// buffered; std::nullopt after feed_eof() means the stream ended cleanly between frames.
/// Errors are sticky: once next() failed, it keeps returning that error.
///
/// Memory: the reader holds exactly what it was fed and has not handed out. A peer cannot make it hold a
/// frame longer than max_size (rejected as soon as the prefix is read); how much is fed per call is the
/// caller's cap (bytes_needed() tells how much to read to finish the current frame without over-reading).
///
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe.
class FrameReader {
 public:
  /// @param max_size largest accepted body length (e.g. 4096 for identify, relay and DCUtR)
  explicit FrameReader(std::size_t max_size) noexcept : max_size_(max_size) {}

  /// Appends bytes read from the stream. Ignored after feed_eof().
  void feed(BytesView data);
  /// Marks the end of the stream (the peer closed its write side).
  void feed_eof() noexcept { eof_ = true; }

  /// Returns the next complete frame body, std::nullopt if more bytes are needed (or, after feed_eof(),
  /// if the stream ended cleanly between frames).
  /// @errors codec::error::frame_too_large, invalid_length_prefix, truncated_frame (after feed_eof())
  result<std::optional<Bytes>> next();

  /// Removes and returns every buffered byte not yet returned as a frame (e.g. relayed data that arrived
  /// behind a STATUS message). The reader is then empty; a partially read frame is handed out raw too.
  Bytes take_remaining();

  /// Bytes buffered and not yet returned.
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }
  /// How many more bytes complete the frame being read: the exact body remainder once the prefix is
  /// known, otherwise 1 (the prefix is read byte by byte). 0 if a complete frame is already buffered.
  std::size_t bytes_needed() const noexcept;
  bool eof() const noexcept { return eof_; }
  std::size_t max_size() const noexcept { return max_size_; }

 private:
  std::size_t max_size_;
  Bytes buf_;
  std::size_t pos_ = 0;  ///< start of the unread bytes in buf_
  bool eof_ = false;
  error_code failed_;
};

}  // namespace lp2p::codec
